// Write-only secrets of an agent (its webhook tools' HMAC keys): stored for the edge, never shown by the public API.
// An update may leave a secret out to keep the stored one; a new tool must bring its own.
import type { AgentConfig } from '@invorto/proto/agent-config.ts';
import { ApiError } from '../../plugins/errors.ts';
import type { AgentSettingsIn, AgentSettingsOut } from './schema.ts';

/** The stored settings of a version: AgentConfig without its identity. */
export type AgentSettings = Omit<AgentConfig, 'id' | 'tenantId' | 'version'>;

/** The settings as the public API shows them: each webhook says whether its secret is set, never what it is. */
export function redactSecrets(settings: AgentSettings): AgentSettingsOut {
  if (!settings.tools?.webhooks) return settings as AgentSettingsOut;
  const webhooks = settings.tools.webhooks.map(({ secret, ...hook }) => ({ ...hook, secretSet: Boolean(secret) }));
  return { ...settings, tools: { ...settings.tools, webhooks } } as AgentSettingsOut;
}

/** Fills each webhook's omitted secret from the tool of the same name in `previous`; 400 when there is none. */
export function keepSecrets(input: AgentSettingsIn, previous: AgentSettings | null): AgentSettings {
  if (!input.tools?.webhooks) return input as AgentSettings;
  const before = new Map((previous?.tools?.webhooks ?? []).map((hook) => [hook.name, hook.secret]));
  const webhooks = input.tools.webhooks.map((hook, i) => {
    const secret = hook.secret ?? before.get(hook.name);
    if (!secret) throw new ApiError(400, 'validation', `$.tools.webhooks[${i}].secret: the new tool "${hook.name}" needs a secret (16+ characters)`, `$.tools.webhooks[${i}].secret`);
    return { ...hook, secret };
  });
  return { ...input, tools: { ...input.tools, webhooks } } as AgentSettings;
}
