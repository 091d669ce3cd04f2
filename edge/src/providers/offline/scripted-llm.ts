// The offline LLM: answers from the agent's intents (keywords or /regex/) with its fallback reply, streamed word by
// word like a real model so the runtime's sentence chunking and barge-in behave the same.
import { randomUUID } from 'node:crypto';
import { countTokens, countTokensOfAll } from '../../runtime/token-count.ts';
import type { AgentConfig } from '../../agents/types.ts';
import type { ChatMessage, LlmChunk, LlmClient, LlmRequest } from '../types.ts';

interface CompiledIntent {
  name: string;
  patterns: RegExp[];
  reply: string;
  tool?: { name: string; arguments: Record<string, unknown> };
}

function compile(agent: Pick<AgentConfig, 'intents'>): CompiledIntent[] {
  return agent.intents.map((intent) => ({
    name: intent.name,
    reply: intent.reply,
    tool: intent.tool,
    patterns: intent.match.map((pattern) => {
      const regex = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
      if (!regex) {
        const escaped = pattern.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
        return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'iu');
      }
      try {
        return new RegExp(regex[1], regex[2]);
      } catch (error) {
        throw new Error(`agent intent "${intent.name}": invalid regular expression ${pattern}: ${(error as Error).message}`);
      }
    }),
  }));
}

export function createScriptedLlm(agent: Pick<AgentConfig, 'intents' | 'fallbackReply'>, options: { wordDelayMs?: number } = {}): LlmClient {
  const intents = compile(agent);
  const wordDelayMs = options.wordDelayMs ?? 15;
  return {
    name: 'scripted',
    async *stream(request: LlmRequest): AsyncIterable<LlmChunk> {
      const lastUser = [...request.messages].reverse().find((m): m is Extract<ChatMessage, { role: 'user' }> => m.role === 'user');
      const said = lastUser?.content ?? '';
      const intent = intents.find((i) => i.patterns.some((p) => p.test(said)));
      const inputTokens = countTokensOfAll(request.messages.map((m) => m.content));
      // An intent with a tool asks for it first (when the tool is offered and has not answered yet), then replies.
      const toolAnswered = request.messages.at(-1)?.role === 'tool';
      if (intent?.tool && !toolAnswered && request.tools?.some((t) => t.name === intent.tool!.name)) {
        await new Promise((resolve) => setTimeout(resolve, wordDelayMs));
        if (request.signal.aborted) return;
        const argumentsJson = JSON.stringify(intent.tool.arguments);
        yield { type: 'tool_call', call: { id: `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`, name: intent.tool.name, argumentsJson } };
        yield { type: 'usage', inputTokens, outputTokens: countTokens(argumentsJson), model: 'scripted' };
        return;
      }
      const reply = intent?.reply ?? agent.fallbackReply;
      const words = reply.split(/(?<=\s)/);
      for (const word of words) {
        if (request.signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, wordDelayMs));
        if (request.signal.aborted) return;
        yield { type: 'text', text: word };
      }
      yield { type: 'usage', inputTokens, outputTokens: countTokens(reply), model: 'scripted' };
    },
  };
}
