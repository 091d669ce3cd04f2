// The agent schema the API validates with (proto's agentFields, composed as control's agents/schema.ts composes
// them), compiled in the browser, so the form shows the API's own errors field by field as the person types.
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { agentFields, crossFieldProblems, WebhookSecret, webhookFields } from '@invorto/proto/agent-config.ts';

const AgentId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const WebhookIn = Type.Object({ ...webhookFields, secret: Type.Optional(WebhookSecret) }, { additionalProperties: false });
export const AgentSettingsIn = Type.Object(agentFields(WebhookIn), { additionalProperties: false });
export const AgentCreate = Type.Object({ id: Type.Optional(AgentId), ...agentFields(WebhookIn) }, { additionalProperties: false });

const settingsChecker = Compile(AgentSettingsIn);
const createChecker = Compile(AgentCreate);

/** Field ("turn.eagerness", "tools") → the first problem with it; empty when the document is valid. */
export type FieldErrors = Record<string, string>;

const HINTS: Record<string, string> = {
  id: 'use 1-64 letters, digits, _ or -',
  name: 'a name is required (up to 200 characters)',
  language: 'use a BCP-47 tag such as "en-US"',
  'turn.eagerness': 'a number from 0 to 1',
  'turn.silenceMs': 'a number from 100 to 5000',
  'limits.callCapPaise': 'a whole number of paise, 0 or more',
};

function check(checker: typeof settingsChecker | typeof createChecker, value: unknown): FieldErrors {
  const errors: FieldErrors = {};
  if (checker.Check(value)) {
    for (const p of crossFieldProblems(value as never)) errors[p.path.replace(/^\$\.?/, '').replace(/\[(\d+)\]/g, '.$1').split('.')[0] === 'tools' ? 'tools' : p.path.replace(/^\$\./, '')] ??= p.message;
    return errors;
  }
  for (const e of checker.Errors(value)) {
    if (e.keyword === 'boolean') continue;
    const parts = e.instancePath.split('/').filter(Boolean);
    if (e.keyword === 'required') parts.push(...(((e.params as { requiredProperties?: string[] }).requiredProperties ?? []).slice(0, 1)));
    // Tools are edited as one JSON document: every problem inside them belongs to that field.
    const field = parts[0] === 'tools' ? 'tools' : parts.join('.');
    const detail = parts[0] === 'tools' ? `${parts.slice(1).join('.') || 'tools'} ${e.message}` : HINTS[field] ?? e.message;
    errors[field || '$'] ??= detail;
  }
  return errors;
}

export const settingsErrors = (value: unknown) => check(settingsChecker, value);
export const createErrors = (value: unknown) => check(createChecker, value);
