// Secrets: a provider key read from DEEPGRAM_API_KEY_FILE reaches Deepgram; after the file is rewritten and SIGHUP
// sent, new calls use the new key while a call in progress goes on to its end; and no configured secret (nor its
// base64) appears anywhere in what the process printed from start to shutdown.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnInvorto, type InvortoProcess } from '../helpers/invorto-process.ts';
import { startDeepgramEmulator, startOpenAiEmulator } from '../../testing/emulators/index.ts';
import { mintMediaToken } from '../../src/auth/media-token.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';

const secret = (name: string) => `${name}-${randomBytes(18).toString('hex')}`;

async function waitFor(what: string, invorto: InvortoProcess, ready: () => boolean, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !ready();) {
    if (Date.now() > deadline || invorto.child.exitCode !== null || invorto.child.signalCode !== null) throw new Error(`${what} did not happen:\n${invorto.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('secrets', () => {
  it('a key from *_FILE reaches the provider; SIGHUP swaps it for new calls only; no secret is ever printed', async () => {
    const oldKey = secret('dg-old');
    const newKey = secret('dg-new');
    const secrets = {
      OPENAI_API_KEY: secret('oa'),
      INVORTO_INTERNAL_TOKEN: secret('internal'),
      INVORTO_MEDIA_TOKEN_SECRET: secret('media'),
      INVORTO_JWT_SECRET: secret('jwt-secret-of-32-chars-or-more'),
      INVORTO_ARTIFACT_URL_SECRET: secret('artifact-url'),
      // Harmless here: no bucket is set, and SIP is off; still parsed and held like the others.
      INVORTO_S3_SECRET_ACCESS_KEY: secret('s3'),
      INVORTO_SIP_AUTH_USERS: `trunk:${secret('sip')}`,
    };
    const deepgram = await startDeepgramEmulator({
      apiKey: [oldKey, newKey],
      listen: { utterances: [{ transcript: 'What are your opening hours?' }, { transcript: 'And on Sunday?' }] },
    });
    const openai = await startOpenAiEmulator({ apiKey: secrets.OPENAI_API_KEY });
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-secrets-'));
    const keyFile = join(dataDir, 'deepgram-key');
    writeFileSync(keyFile, `${oldKey}\n`);
    const invorto = spawnInvorto(['start', '--control-port', '0', '--internal-port', '0', '--edge-port', '0', '--sip-port=-1', '--data-dir', dataDir], {
      ...secrets, DEEPGRAM_API_KEY_FILE: keyFile, DEEPGRAM_BASE_URL: deepgram.url, OPENAI_BASE_URL: openai.url, INVORTO_LOG_LEVEL: 'debug',
    });
    try {
      await waitFor('start-up', invorto, () => /Invorto is running/.test(invorto.output()) && /Stop with Ctrl-C/.test(invorto.output()));
      expect(invorto.output()).toContain('ASR Deepgram');
      const media = /media\s+(ws:\/\/\S+)\?token/.exec(invorto.output())![1];
      const token = () => mintMediaToken(secrets.INVORTO_MEDIA_TOKEN_SECRET, { tenantId: 'default', agentId: 'demo', expiresAt: Date.now() / 1000 + 600 });
      const speech = async (text: string) => [...(await speechFrames(text)), ...silenceFrames(500)];

      // Call A asks, then keeps talking after the reload: a long pause, then a second question.
      const callA = placeTwilioCall({
        url: `${media}?token=${token()}`, afterGreeting: true, quietHangupMs: 4000, maxDurationMs: 60_000,
        frames: [...(await speech('What are your opening hours?')), ...silenceFrames(6000), ...(await speech('And on Sunday?'))],
      });
      await waitFor('call A reaching Deepgram', invorto, () => (deepgram.listenRequests[0]?.audioBytes ?? 0) > 0);
      expect(deepgram.listenRequests[0].authorization).toBe(`Token ${oldKey}`);

      writeFileSync(keyFile, `${newKey}\n`);
      invorto.child.kill('SIGHUP');
      await waitFor('the reload', invorto, () => /secrets reloaded: deepgram-api-key/.test(invorto.output()));
      const listensBeforeB = deepgram.listenRequests.length;
      const audioOfAAtReload = deepgram.listenRequests[0].audioBytes;

      const callB = await placeTwilioCall({ url: `${media}?token=${token()}`, afterGreeting: true, quietHangupMs: 3000, maxDurationMs: 40_000, frames: await speech('What are your opening hours?') });
      expect(callB.closeCode).toBe(1000);
      const listensOfB = deepgram.listenRequests.slice(listensBeforeB);
      expect(listensOfB.length).toBeGreaterThan(0);
      expect(listensOfB.map((r) => r.authorization)).toEqual(listensOfB.map(() => `Token ${newKey}`));
      expect(deepgram.speakRequests.at(-1)!.authorization).toBe(`Token ${newKey}`);

      const callA_ = await callA;
      // A went on to its normal end with its own session: it kept sending audio, heard both answers, and never
      // switched to the new key.
      expect(callA_.closeCode).toBe(1000);
      expect(deepgram.listenRequests[0].audioBytes).toBeGreaterThan(audioOfAAtReload);
      expect(callA_.replies.length).toBeGreaterThanOrEqual(3); // greeting + two answers
      expect(deepgram.listenRequests.slice(0, listensBeforeB).every((r) => r.authorization === `Token ${oldKey}`)).toBe(true);
      // (The demo agent's intents answer these questions, so OpenAI is configured, its key held, but not asked.)

      // A second SIGHUP with nothing changed still does not stop it.
      invorto.child.kill('SIGHUP');
      await waitFor('the second reload', invorto, () => /secrets reloaded: \(none changed\)/.test(invorto.output()));
      expect(invorto.child.exitCode).toBe(null);
      expect(await invorto.stop()).toBe(0);

      const printed = invorto.output();
      expect(printed).toContain('stopping: draining calls'); // the log was captured to the end
      for (const [name, value] of Object.entries({ ...secrets, oldKey, newKey })) {
        const sipPassword = name === 'INVORTO_SIP_AUTH_USERS' ? value.split(':')[1] : value;
        for (const form of [sipPassword, Buffer.from(sipPassword).toString('base64'), Buffer.from(sipPassword).toString('base64url')]) {
          expect(printed.includes(form), `${name} appears in the output`).toBe(false);
        }
      }
    } finally {
      invorto.kill();
      await deepgram.close();
      await openai.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);

  it('invorto edge reloads on SIGHUP and invorto control survives it; both then stop cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-secrets-'));
    const keyFile = join(dataDir, 'openai-key');
    writeFileSync(keyFile, secret('oa-old'));
    const edge = spawnInvorto(['edge', '--edge-port', '0', '--sip-port=-1', '--data-dir', join(dataDir, 'edge')], { OPENAI_API_KEY_FILE: keyFile, INVORTO_MEDIA_TOKEN_SECRET: secret('media') });
    const control = spawnInvorto(['control', '--control-port', '0', '--internal-port', '0', '--data-dir', join(dataDir, 'control')]);
    try {
      await waitFor('edge start-up', edge, () => /edge listening/.test(edge.output()));
      writeFileSync(keyFile, secret('oa-new'));
      edge.child.kill('SIGHUP');
      await waitFor('the edge\'s reload', edge, () => /secrets reloaded: openai-api-key/.test(edge.output()));
      // A file emptied mid-rotation is refused and the keys in use are kept; the process goes on.
      writeFileSync(keyFile, '');
      edge.child.kill('SIGHUP');
      await waitFor('the refused reload', edge, () => /secrets not reloaded: OPENAI_API_KEY_FILE=\S+ is empty/.test(edge.output()));

      await waitFor('control start-up', control, () => /control listening/.test(control.output()));
      control.child.kill('SIGHUP');
      await waitFor('control hearing SIGHUP', control, () => /SIGHUP: control has no secrets to reload/.test(control.output()));
      expect([edge.child.exitCode, control.child.exitCode]).toEqual([null, null]);
      expect(await edge.stop()).toBe(0);
      expect(await control.stop()).toBe(0);
    } finally {
      edge.kill();
      control.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('a SIGHUP while the edge is still starting does not end it: the reload runs once it listens', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-secrets-'));
    const keyFile = join(dataDir, 'openai-key');
    writeFileSync(keyFile, secret('oa-old'));
    const edge = spawnInvorto(['edge', '--edge-port', '0', '--sip-port=-1', '--data-dir', dataDir], { OPENAI_API_KEY_FILE: keyFile, INVORTO_MEDIA_TOKEN_SECRET: secret('media') });
    try {
      // The artifact store is opened early in startEdge, before the dsp and the server (about 2 s here).
      await waitFor('the edge starting', edge, () => /artifacts: local disk/.test(edge.output()));
      expect(edge.output()).not.toMatch(/edge listening/);
      writeFileSync(keyFile, secret('oa-new'));
      edge.child.kill('SIGHUP');
      await waitFor('the reload after start-up', edge, () => /edge listening[\s\S]*secrets reloaded: openai-api-key/.test(edge.output()));
      expect(edge.child.signalCode).toBe(null);
      expect(await edge.stop()).toBe(0);
    } finally {
      edge.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('invorto edge --workers 2 passes SIGHUP to each worker, which reloads its own keys', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-secrets-'));
    const keyFile = join(dataDir, 'deepgram-key');
    writeFileSync(keyFile, secret('dg-old'));
    const pool = spawnInvorto(['edge', '--workers', '2', '--edge-port', '0', '--sip-port=-1', '--data-dir', dataDir], { DEEPGRAM_API_KEY_FILE: keyFile, INVORTO_MEDIA_TOKEN_SECRET: secret('media') });
    try {
      await waitFor('two workers listening', pool, () => (pool.output().match(/edge listening/g) ?? []).length === 2);
      writeFileSync(keyFile, secret('dg-new'));
      pool.child.kill('SIGHUP');
      await waitFor('both workers reloading', pool, () => (pool.output().match(/secrets reloaded: deepgram-api-key/g) ?? []).length === 2);
      expect(await pool.stop()).toBe(0);
    } finally {
      pool.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('refuses a variable set together with its _FILE, and a _FILE that cannot be read, naming them and not the value', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-secrets-'));
    const keyFile = join(dataDir, 'key');
    const value = secret('dg');
    writeFileSync(keyFile, value);
    try {
      const both = spawnInvorto(['start', '--data-dir', dataDir], { DEEPGRAM_API_KEY: secret('dg-var'), DEEPGRAM_API_KEY_FILE: keyFile });
      expect(await both.exited).toBe(2);
      expect(both.output()).toContain('both DEEPGRAM_API_KEY and DEEPGRAM_API_KEY_FILE are set');
      expect(both.output()).not.toContain(value);

      const missing = join(dataDir, 'no-such-key');
      const unreadable = spawnInvorto(['edge', '--data-dir', dataDir], { INVORTO_MEDIA_TOKEN_SECRET_FILE: missing });
      expect(await unreadable.exited).toBe(2);
      expect(unreadable.output()).toContain(`INVORTO_MEDIA_TOKEN_SECRET_FILE=${missing} cannot be read (ENOENT)`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
