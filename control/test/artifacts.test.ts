// A call's artifacts through control on the local-disk store, on both databases: the recording streamed with Range
// (206, resume byte-identical, 416 past the end), the list with signed URLs that work without credentials and
// refuse tampering and expiry (403), another tenant's calls as absent (404), and DELETE /v1/calls/{id} taking the
// call's objects with it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callPrefix } from '@invorto/artifacts/artifact-store.ts';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';
import { bytesOf, seedCallWithArtifacts, type SeededCall } from './helpers/seed-artifacts.ts';

describe.each(dialects())('call artifacts on local disk, %s', (dialect) => {
  let t: TestControl;
  let other: { tenantId: string; apiKey: string };
  let mine: SeededCall;
  let theirs: SeededCall;
  beforeAll(async () => {
    t = await startTestControl(dialect);
    other = await t.newTenant();
    mine = await seedCallWithArtifacts(t, { callId: 'c-rec' });
    theirs = await seedCallWithArtifacts(t, { callId: 'c-theirs', tenantId: other.tenantId });
  });
  afterAll(async () => { await t.close(); });

  it('streams the recording whole, as audio/wav with its length and Accept-Ranges', async () => {
    const response = await t.api('/v1/calls/c-rec/recording');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('content-length')).toBe(String(mine.objects['recording.wav'].length));
    expect((await bytesOf(response)).equals(mine.objects['recording.wav'])).toBe(true);
  });

  it('answers Range requests with 206 and Content-Range; a cut download resumes byte-identical', async () => {
    const whole = mine.objects['recording.wav'];
    const part = await t.api('/v1/calls/c-rec/recording', { headers: { range: 'bytes=100-1099' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${whole.length}`);
    expect(part.headers.get('content-length')).toBe('1000');
    expect((await bytesOf(part)).equals(whole.subarray(100, 1100))).toBe(true);
    // A download cut at an odd byte, then resumed from there with an open-ended range.
    const cutAt = 65_537;
    const first = await t.api('/v1/calls/c-rec/recording', { headers: { range: `bytes=0-${cutAt - 1}` } });
    const rest = await t.api('/v1/calls/c-rec/recording', { headers: { range: `bytes=${cutAt}-` } });
    expect(rest.headers.get('content-range')).toBe(`bytes ${cutAt}-${whole.length - 1}/${whole.length}`);
    expect(Buffer.concat([await bytesOf(first), await bytesOf(rest)]).equals(whole)).toBe(true);
    const tail = await t.api('/v1/calls/c-rec/recording', { headers: { range: 'bytes=-500' } });
    expect(tail.status).toBe(206);
    expect((await bytesOf(tail)).equals(whole.subarray(whole.length - 500))).toBe(true);
    // A range running past the end is cut at the end.
    const over = await t.api('/v1/calls/c-rec/recording', { headers: { range: `bytes=${whole.length - 10}-${whole.length + 1000}` } });
    expect(over.status).toBe(206);
    expect((await bytesOf(over)).length).toBe(10);
  });

  it('answers HEAD with the headers a GET would give and no body', async () => {
    const size = mine.objects['recording.wav'].length;
    const head = await t.api('/v1/calls/c-rec/recording', { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), head.headers.get('content-type'), head.headers.get('accept-ranges')]).toEqual([200, String(size), 'audio/wav', 'bytes']);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const part = await t.api('/v1/calls/c-rec/recording', { method: 'HEAD', headers: { range: 'bytes=-100' } });
    expect([part.status, part.headers.get('content-length'), part.headers.get('content-range')]).toEqual([206, '100', `bytes ${size - 100}-${size - 1}/${size}`]);
    expect((await t.api('/v1/calls/c-rec/recording', { method: 'HEAD', headers: { range: `bytes=${size}-` } })).status).toBe(416);
    expect((await t.api('/v1/calls/c-theirs/recording', { method: 'HEAD' })).status).toBe(404);
  });

  it('refuses a range past the end with 416 and Content-Range: bytes */size', async () => {
    const size = mine.objects['recording.wav'].length;
    for (const range of [`bytes=${size}-`, `bytes=${size + 5}-${size + 10}`, 'bytes=-0']) {
      const response = await t.api('/v1/calls/c-rec/recording', { headers: { range } });
      expect(response.status, range).toBe(416);
      expect(response.headers.get('content-range')).toBe(`bytes */${size}`);
      expect((await response.json()).code).toBe('range_not_satisfiable');
    }
  });

  it('streams any artifact by name, with the same Range handling', async () => {
    const json = await t.api('/v1/calls/c-rec/artifacts/transcript.json');
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json.json()).toEqual({ callId: 'c-rec', name: 'transcript.json' });
    // Plain fetch: t.api would parse the JSON half of a JSON file to check it against the documentation.
    const part = await fetch(`${t.url}/v1/calls/c-rec/artifacts/transcript.json`, { headers: { range: 'bytes=0-9', authorization: `Bearer ${t.apiKey}` } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe(mine.objects['transcript.json'].subarray(0, 10).toString());
    expect((await t.api('/v1/calls/c-rec/artifacts/history.json')).status).toBe(404);
  });

  it("lists the call's artifacts with signed URLs that download without credentials, Range included", async () => {
    const response = await t.api('/v1/calls/c-rec/artifacts');
    expect(response.status).toBe(200);
    const list = await response.json();
    expect(list.artifacts.map((a: { name: string; size: number; contentType: string }) => [a.name, a.size, a.contentType])).toEqual([
      ['recording.wav', mine.objects['recording.wav'].length, 'audio/wav'], ['transcript.json', mine.objects['transcript.json'].length, 'application/json'],
    ]);
    expect(Date.parse(list.expiresAt) - Date.now()).toBeGreaterThan(290_000);
    const recording = list.artifacts[0];
    expect(recording.url).toMatch(new RegExp(`^${t.url}/artifacts/signed/${t.tenantId}/2026/12/01/c-rec/recording\\.wav\\?expires=\\d+&signature=[0-9a-f]{64}$`));
    const download = await fetch(recording.url);
    expect(download.status).toBe(200);
    expect((await bytesOf(download)).equals(mine.objects['recording.wav'])).toBe(true);
    const part = await fetch(recording.url, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect((await bytesOf(part)).equals(mine.objects['recording.wav'].subarray(10, 20))).toBe(true);
    expect((await fetch(recording.url, { headers: { range: 'bytes=999999999-' } })).status).toBe(416);
  });

  it('refuses a tampered signed URL with 403: another key, a later expiry, a changed or missing signature', async () => {
    const list = await (await t.api('/v1/calls/c-rec/artifacts')).json();
    const url = new URL(list.artifacts[0].url);
    const variants: Record<string, string> = {
      'another name': url.href.replace('recording.wav', 'transcript.json'),
      "another tenant's call": url.href.replace(`${t.tenantId}/2026/12/01/c-rec`, `${other.tenantId}/2026/12/01/c-theirs`),
      'a later expiry': url.href.replace(/expires=(\d+)/, (_m, s) => `expires=${Number(s) + 3600}`),
      'a changed signature': url.href.replace(/signature=(.)/, (_m, c) => `signature=${c === 'a' ? 'b' : 'a'}`),
      'no signature': url.href.replace(/&signature=.*$/, ''),
    };
    for (const [what, href] of Object.entries(variants)) {
      const response = await fetch(href);
      expect(response.status, what).toBe(403);
      expect(await response.json(), what).toMatchObject({ code: 'forbidden', error: expect.stringMatching(/tampered/) });
    }
  });

  it('refuses an expired signed URL with 403, saying it expired', async () => {
    const list = await (await t.api('/v1/calls/c-rec/artifacts?expiresInS=60')).json();
    expect((await fetch(list.artifacts[0].url)).status).toBe(200);
    const realNow = t.control.ctx.now;
    t.control.ctx.now = () => realNow() + 61_000;
    try {
      const response = await fetch(list.artifacts[0].url);
      expect(response.status).toBe(403);
      expect((await response.json()).error).toMatch(/expired at/);
    } finally {
      t.control.ctx.now = realNow;
    }
    expect((await t.api('/v1/calls/c-rec/artifacts?expiresInS=3601')).status).toBe(400);
  });

  it("answers 404 for another tenant's call: recording, artifact, list (so no signed URL) and delete", async () => {
    for (const path of ['/v1/calls/c-theirs/recording', '/v1/calls/c-theirs/artifacts', '/v1/calls/c-theirs/artifacts/recording.wav']) {
      const response = await t.api(path);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('signature');
    }
    expect((await t.api('/v1/calls/c-theirs', { method: 'DELETE' })).status).toBe(404);
    expect(await t.control.ctx.artifacts.store.list(callPrefix(other.tenantId, 'c-theirs', theirs.startedAt))).toHaveLength(2);
    // The owner of the call gets it.
    const own = await t.api('/v1/calls/c-theirs/artifacts', { as: other.apiKey });
    expect((await own.json()).artifacts).toHaveLength(2);
    expect((await t.api('/v1/calls/nope/recording')).status).toBe(404);
  });

  it('answers 404 for a call without a recording', async () => {
    await seedCallWithArtifacts(t, { callId: 'c-norec', names: ['transcript.json'] });
    const response = await t.api('/v1/calls/c-norec/recording');
    expect(response.status).toBe(404);
    expect((await response.json()).error).toMatch(/recording of call "c-norec" not found/);
  });

  it('deletes a call with its artifacts (calls:write); a viewer may not', async () => {
    const seeded = await seedCallWithArtifacts(t, { callId: 'c-gone', names: ['recording.wav', 'transcript.json', 'events.jsonl'] });
    const prefix = callPrefix(t.tenantId, 'c-gone', seeded.startedAt);
    const viewer = await t.tokenFor('viewer');
    expect((await t.api('/v1/calls/c-gone', { method: 'DELETE', as: viewer })).status).toBe(403);
    const response = await t.api('/v1/calls/c-gone', { method: 'DELETE', as: await t.tokenFor('admin') });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 'c-gone', artifactsDeleted: 3 });
    expect(await t.control.ctx.artifacts.store.list(prefix)).toEqual([]);
    expect((await t.api('/v1/calls/c-gone')).status).toBe(404);
    expect((await t.api('/v1/calls/c-gone/recording')).status).toBe(404);
    expect((await t.api('/v1/calls/c-gone', { method: 'DELETE' })).status).toBe(404);
    // Other calls' objects are untouched.
    expect((await t.api('/v1/calls/c-rec/recording')).status).toBe(200);
  });
});
