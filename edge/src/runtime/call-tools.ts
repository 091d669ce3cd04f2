// The tools one call's agent may use: the built-ins it enabled, bound to this call, and its webhooks.
import type { AgentConfig } from '../agents/types.ts';
import { endCallTool, transferCallTool, webhookTool, type CallControl } from '../tools/builtins.ts';
import { ToolRegistry } from '../tools/executor.ts';

export interface CallTools {
  registry: ToolRegistry;
  /** Tool name -> the tools whose results it needs first. */
  dependsOn: Record<string, string[]>;
}

export function buildCallTools(agent: AgentConfig, control: CallControl): CallTools {
  const registry = new ToolRegistry();
  const dependsOn: Record<string, string[]> = {};
  const config = agent.tools ?? {};
  if (config.builtins?.includes('end_call')) registry.register(endCallTool(control));
  if (config.builtins?.includes('transfer_call')) {
    const allowed = config.transferTargets ?? [];
    registry.register(transferCallTool({
      hangup: (reason) => control.hangup(reason),
      transfer: (target) => {
        // The LLM may only send callers where the agent's owner allows; a refusal goes back to it as an error.
        if (allowed.length && !allowed.includes(target)) throw new Error(`transfer target "${target}" is not allowed (allowed: ${allowed.join(', ')})`);
        control.transfer(target);
      },
    }));
  }
  for (const hook of config.webhooks ?? []) {
    registry.register(webhookTool(hook));
    if (hook.dependsOn?.length) dependsOn[hook.name] = hook.dependsOn;
  }
  return { registry, dependsOn };
}
