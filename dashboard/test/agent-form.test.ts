// The agent form's checks are the API's: the same documents pass and fail as with control's own schema, and each
// problem lands on the field the form shows it under. The versions diff names every changed leaf.
import { describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import { AgentCreate as ApiAgentCreate, AgentSettingsIn as ApiAgentSettingsIn } from '../../control/src/modules/agents/schema.ts';
import { createErrors, settingsErrors } from '../src/pages/agents/validate.ts';
import { diffDocuments } from '../src/pages/agents/diff.ts';

// The create form's starting document (src/pages/agents/defaults.ts), named.
const valid = {
  name: 'Front desk', language: 'en-US', systemPrompt: 'Be brief.', greeting: 'Hello!', fillers: [], intents: [], fallbackReply: 'Sorry?',
  asr: { provider: 'pocketsphinx' }, llm: { provider: 'scripted' }, tts: { provider: 'flite' }, turn: { silenceMs: 700, eagerness: 0.5 },
};
const documents: Record<string, unknown>[] = [
  valid,
  { ...valid, id: 'front-desk' },
  { ...valid, id: 'no spaces' },
  { ...valid, name: '' },
  { ...valid, language: 'english' },
  { ...valid, turn: { silenceMs: 50, eagerness: 0.5 } },
  { ...valid, turn: { silenceMs: 700, eagerness: 2 } },
  { ...valid, tools: { builtins: ['end_call'] } },
  { ...valid, tools: { builtins: ['launch_rocket'] } },
  { ...valid, tools: { webhooks: [{ name: 'book', description: 'd', url: 'ftp://x', parameters: {} }] } },
  { ...valid, surprise: true },
  { ...valid, limits: { callCapPaise: 500 } },
  { ...valid, limits: { callCapPaise: -1 } },
  { ...valid, limits: { callCapPaise: 2.5 } },
];

describe('agent form validation', () => {
  it('accepts and refuses exactly what the API does', () => {
    const api = Compile(ApiAgentCreate);
    const apiSettings = Compile(ApiAgentSettingsIn);
    for (const doc of documents) {
      expect([doc, Object.keys(createErrors(doc)).length === 0]).toEqual([doc, api.Check(doc)]);
      const { id: _, ...settings } = doc;
      expect([settings, Object.keys(settingsErrors(settings)).length === 0]).toEqual([settings, apiSettings.Check(settings)]);
    }
  });

  it('puts each problem on its field', () => {
    expect(createErrors(valid)).toEqual({});
    expect(createErrors({ ...valid, language: 'english' })).toEqual({ language: 'use a BCP-47 tag such as "en-US"' });
    expect(Object.keys(createErrors({ ...valid, name: '' }))).toEqual(['name']);
    expect(Object.keys(createErrors({ ...valid, id: 'no spaces' }))).toEqual(['id']);
    expect(Object.keys(settingsErrors({ ...valid, turn: { silenceMs: 700, eagerness: 2 } }))).toEqual(['turn.eagerness']);
    expect(settingsErrors({ ...valid, tools: { builtins: ['launch_rocket'] } }).tools).toMatch(/^builtins/);
    expect(settingsErrors({ ...valid, limits: { callCapPaise: -1 } })).toEqual({ 'limits.callCapPaise': 'a whole number of paise, 0 or more' });
    // A rule across fields: a "stream" engine needs its URL.
    expect(Object.keys(settingsErrors({ ...valid, asr: { provider: 'stream' } }))).toEqual(['asr.url']);
  });
});

describe('versions diff', () => {
  it('lists every changed leaf with both values', () => {
    const before = { name: 'A', turn: { silenceMs: 700, eagerness: 0.5 }, fillers: ['one'], tools: { webhooks: [{ name: 'x' }] } };
    const after = { name: 'A', turn: { silenceMs: 700, eagerness: 0.8 }, fillers: ['one', 'two'], greeting: 'hi', tools: { webhooks: [{ name: 'y' }] } };
    expect(diffDocuments(before, after)).toEqual([
      { path: 'fillers', before: '["one"]', after: '["one","two"]' },
      { path: 'greeting', before: null, after: 'hi' },
      { path: 'tools.webhooks[0].name', before: 'x', after: 'y' },
      { path: 'turn.eagerness', before: '0.5', after: '0.8' },
    ]);
    expect(diffDocuments(before, before)).toEqual([]);
  });
});
