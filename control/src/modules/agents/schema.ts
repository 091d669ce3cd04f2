// Agents as the API takes and shows them. The settings are proto's agent schema (the edge validates with the same
// one); webhook secrets are write-only: taken in (omitted on update: kept), shown only as `secretSet: true`.
import { Type, type Static } from 'typebox';
import { agentFields, WebhookSecret, webhookFields } from '@invorto/proto/agent-config.ts';

const AgentId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: '1-64 letters, digits, _ or -' });

const WebhookIn = Type.Object({ ...webhookFields, secret: Type.Optional(WebhookSecret) }, {
  additionalProperties: false, description: 'a webhook tool; `secret` is required when the tool is new, omitted keeps the previous one',
});
const WebhookOut = Type.Object({ ...webhookFields, secretSet: Type.Boolean({ description: 'the secret is stored (it is never shown)' }) }, { additionalProperties: false });

/** PUT /v1/agents/{id}: the whole settings document. */
export const AgentSettingsIn = Type.Object(agentFields(WebhookIn), { additionalProperties: false });
export type AgentSettingsIn = Static<typeof AgentSettingsIn>;

/** PATCH /v1/agents/{id}: the top-level fields to replace (a nested object such as `turn` is given whole). */
export const AgentSettingsPatch = Type.Partial(AgentSettingsIn, { additionalProperties: false, minProperties: 1 });
export type AgentSettingsPatch = Static<typeof AgentSettingsPatch>;

/** POST /v1/agents: the settings, and the id when the caller chooses it. */
export const AgentCreate = Type.Object({ id: Type.Optional(AgentId), ...agentFields(WebhookIn) }, { additionalProperties: false });
export type AgentCreate = Static<typeof AgentCreate>;

export const AgentSettingsOut = Type.Object(agentFields(WebhookOut), { $id: 'AgentSettings', additionalProperties: false });
export type AgentSettingsOut = Static<typeof AgentSettingsOut>;

export const AgentBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  latestVersion: Type.Integer({ description: 'the newest version (a draft until published)' }),
  publishedVersion: Type.Integer({ description: 'the version calls get' }),
  etag: Type.String({ description: 'as the ETag header: send it back in If-Match to update' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  config: Type.Ref('AgentSettings', { description: 'the settings of the latest version' }),
}, { $id: 'Agent', additionalProperties: false });
export type AgentBody = Omit<Static<typeof AgentBody>, 'config'> & { config: AgentSettingsOut };

const VersionFields = {
  agentId: Type.String(),
  version: Type.Integer(),
  published: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String({ description: 'the user or API key that wrote it' }),
};
export const AgentVersionSummary = Type.Object(VersionFields, { $id: 'AgentVersionSummary', additionalProperties: false });
export type AgentVersionSummary = Static<typeof AgentVersionSummary>;
export const AgentVersionBody = Type.Object({ ...VersionFields, config: Type.Ref('AgentSettings') }, { $id: 'AgentVersion', additionalProperties: false });
export type AgentVersionBody = AgentVersionSummary & { config: AgentSettingsOut };

export const AgentIdParams = Type.Object({ id: AgentId });
export const AgentVersionParams = Type.Object({ id: AgentId, version: Type.Integer({ minimum: 1 }) });

const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 }));
export const AgentListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'part of the name, any case' })),
  cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'nextCursor of the previous page' })),
  limit: Limit,
}, { additionalProperties: false });
export const VersionListQuery = Type.Object({ cursor: Type.Optional(Type.String({ maxLength: 1000 })), limit: Limit }, { additionalProperties: false });

export const AgentList = Type.Object({
  items: Type.Array(Type.Ref('Agent')),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as `cursor` for the next page; null on the last' }),
}, { additionalProperties: false });
export const VersionList = Type.Object({
  items: Type.Array(Type.Ref('AgentVersionSummary')),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
}, { additionalProperties: false });

export const PutQuery = Type.Object({
  publish: Type.Optional(Type.Boolean({ description: 'also publish the new version (calls get it at once)' })),
}, { additionalProperties: false });
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'the ETag of the agent as last read; required (428 without, 412 when stale)' })),
});
export const PublishBody = Type.Object({ version: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
