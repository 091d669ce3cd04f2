// SIGHUP re-reads the secrets carriers are checked with, from their *_FILE files: the Twilio auth token (in every
// worker of a pool) and the SIP digest users. Calls in progress go on undisturbed; new sockets and INVITEs meet the
// new values and the old ones are refused; a reload that cannot be read or used changes nothing and says which
// option to fix. No secret appears in anything the processes print.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { mintMediaToken } from '../../src/auth/media-token.ts';
import { twilioSignature } from '../../src/auth/twilio-signature.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { spawnInvorto, type InvortoProcess } from '../helpers/invorto-process.ts';
import { dialWithDigest } from '../helpers/sip-digest-caller.ts';
import { readTimeline } from '../helpers/timeline.ts';

const secret = (name: string) => `${name}-${randomBytes(18).toString('hex')}`;

async function waitFor(what: string, invorto: InvortoProcess, ready: () => boolean, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !ready();) {
    if (Date.now() > deadline || invorto.child.exitCode !== null) throw new Error(`${what} did not happen:\n${invorto.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The JSON log lines a process printed. */
const logLines = (invorto: InvortoProcess): Record<string, unknown>[] =>
  invorto.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
const count = (invorto: InvortoProcess, pattern: RegExp) => (invorto.output().match(new RegExp(pattern, 'g')) ?? []).length;

/** The HTTP status of a media socket's upgrade (101 when it opened; it is closed at once). */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => { ws.close(); resolve(101); });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

function expectNothingSecret(printed: string, secrets: Record<string, string>): void {
  for (const [name, value] of Object.entries(secrets)) {
    for (const form of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64url')]) {
      expect(printed.includes(form), `${name} appears in the output`).toBe(false);
    }
  }
}

describe('secrets carriers are checked with, reloaded on SIGHUP', () => {
  it('Twilio: every worker of a pool takes the new auth token for new sockets; the call in progress goes on', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-reload-auth-'));
    const tokenFile = join(dataDir, 'twilio-auth-token');
    const oldToken = secret('twilio-old');
    const newToken = secret('twilio-new');
    const mediaSecret = secret('media');
    writeFileSync(tokenFile, `${oldToken}\n`);
    const pool = spawnInvorto(['edge', '--workers', '2', '--edge-port', '0', '--sip-port=-1', '--data-dir', dataDir], {
      INVORTO_TWILIO_AUTH_TOKEN_FILE: tokenFile, INVORTO_MEDIA_TOKEN_SECRET: mediaSecret, INVORTO_LOG_LEVEL: 'info',
    });
    try {
      await waitFor('two workers listening', pool, () => count(pool, /"msg":"edge listening"/) === 2);
      const port = /edge pool: 2 worker processes on port (\d+)/.exec(pool.output())![1];
      const token = mintMediaToken(mediaSecret, { tenantId: 'default', agentId: 'demo', expiresAt: Date.now() / 1000 + 600 });
      // Twilio signs the URL it requested; the edge checks it against its own address (no INVORTO_PUBLIC_URL here).
      const mediaUrl = `ws://127.0.0.1:${port}/media/twilio?token=${token}`;
      const signedWith = (authToken: string) => ({ 'x-twilio-signature': twilioSignature(authToken, mediaUrl) });

      // Call A, admitted with the old token: it waits out the greeting and 6 s more (the reload happens then), then asks.
      const question = await speechFrames('What are your opening hours?');
      const callA = placeTwilioCall({
        url: mediaUrl, headers: signedWith(oldToken), afterGreeting: true, quietHangupMs: 3000, maxDurationMs: 60_000,
        frames: [...silenceFrames(6000), ...question, ...silenceFrames(500)],
      });
      await waitFor('call A started', pool, () => /"msg":"call started"/.test(pool.output()));

      writeFileSync(tokenFile, `${newToken}\n`);
      pool.child.kill('SIGHUP');
      await waitFor('both workers reloading', pool, () => count(pool, /"msg":"secrets (not )?reloaded/) === 2);
      const reloadedAtMs = performance.now();

      // The kernel spreads sockets over the workers (SO_REUSEPORT): try until each worker has refused the old token.
      const refusedBy = () => new Set(logLines(pool).filter((l) => l.msg === 'media socket refused' && l.reason === 'bad X-Twilio-Signature').map((l) => l.worker));
      for (let attempt = 0; attempt < 60 && refusedBy().size < 2; attempt++) {
        expect(await upgradeStatus(mediaUrl, signedWith(oldToken))).toBe(403);
        await new Promise((r) => setTimeout(r, 20)); // the refusal's log line reaches us through the worker's stdout
      }
      expect([...refusedBy()].sort()).toEqual([0, 1]);
      for (let attempt = 0; attempt < 10; attempt++) expect(await upgradeStatus(mediaUrl, signedWith(newToken))).toBe(101);

      const a = await callA;
      // A asked its question after the reload and was answered: the call went on, then ended as the caller hung up.
      expect(a.closeCode).toBe(1000);
      expect(a.startedAtMs + a.callerAudioStartMs + 6000).toBeGreaterThan(reloadedAtMs);
      expect(a.replies.length).toBeGreaterThanOrEqual(2); // greeting + answer
      expect(a.replies.at(-1)!.doneMs).toBeGreaterThan(a.callerAudioStartMs + 6000);
      expect(logLines(pool).find((l) => l.msg === 'call ended' && l.callId === a.callId)?.reason).toBe('caller_hangup');

      expect(count(pool, /"msg":"secrets reloaded: twilio-auth-token"/)).toBe(2); // names, never values
      expect(await pool.stop()).toBe(0);
      expectNothingSecret(pool.output(), { oldToken, newToken, mediaSecret });
    } finally {
      pool.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('SIP: new INVITEs meet the new digest users (old credentials get 403); the authenticated dialog goes on', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-reload-auth-'));
    const usersFile = join(dataDir, 'sip-auth-users');
    const oldPassword = secret('sip-old');
    const newPassword = secret('sip-new');
    writeFileSync(usersFile, `trunk:${oldPassword}\n`);
    const sipPort = await freeUdpPort();
    const edge = spawnInvorto(['edge', '--edge-port', '0', '--sip-port', String(sipPort), '--rtp-port-min', '48000', '--rtp-port-max', '48999', '--data-dir', dataDir], {
      INVORTO_SIP_AUTH_USERS_FILE: usersFile, INVORTO_MEDIA_TOKEN_SECRET: secret('media'), INVORTO_LOG_LEVEL: 'info',
    });
    try {
      await waitFor('edge start-up', edge, () => /"msg":"edge listening"/.test(edge.output()));
      const a = await dialWithDigest(sipPort, { user: 'trunk', password: oldPassword });
      expect(a.finals).toEqual(['SIP/2.0 401 Unauthorized', 'SIP/2.0 200 OK']);
      const callA = a.call!;
      for (let i = 0; i < 200 && callA.received.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(callA.received.length).toBeGreaterThan(0); // in progress: the greeting's RTP is arriving

      writeFileSync(usersFile, `trunk:${newPassword}\n`);
      edge.child.kill('SIGHUP');
      await waitFor('the reload', edge, () => /"msg":"secrets (not )?reloaded/.test(edge.output()));
      const reloadedAtMs = Date.now();

      const stale = await dialWithDigest(sipPort, { user: 'trunk', password: oldPassword });
      expect(stale.finals).toEqual(['SIP/2.0 401 Unauthorized', 'SIP/2.0 403 Forbidden']);
      const fresh = await dialWithDigest(sipPort, { user: 'trunk', password: newPassword });
      expect(fresh.finals).toEqual(['SIP/2.0 401 Unauthorized', 'SIP/2.0 200 OK']);
      expect(await fresh.call!.request('BYE')).toBe('SIP/2.0 200 OK');
      fresh.call!.close();

      // A, authenticated before the reload, is never asked again: it waits out the greeting, asks, is answered, and
      // hangs up when it likes.
      const packetsBefore = callA.received.length;
      await callA.say([...silenceFrames(4000), ...(await speechFrames('What are your opening hours?')), ...silenceFrames(6000)]);
      expect(await callA.request('OPTIONS')).toBe('SIP/2.0 200 OK');
      expect(await callA.request('BYE')).toBe('SIP/2.0 200 OK');
      expect(callA.received.length).toBeGreaterThan(packetsBefore + 100); // RTP kept coming: seconds of 20 ms packets
      callA.close();
      await waitFor('call A ending', edge, () => logLines(edge).some((l) => l.msg === 'call ended' && l.callId === callA.callId));
      expect(edge.output()).toContain('"msg":"secrets reloaded: sip-auth-users"');
      expect(await edge.stop()).toBe(0);

      const events = readTimeline(dataDir).filter((e) => e.callId === callA.callId);
      const heard = events.find((e) => e.transcript?.isFinal && e.transcript.text);
      expect(Number(heard?.tsMs)).toBeGreaterThan(reloadedAtMs); // the question, asked after the reload
      const answering = events.findIndex((e) => e.stateChanged?.reason === 'caller turn ended');
      expect(answering).toBeGreaterThan(0);
      expect(events.slice(answering).some((e) => e.stateChanged?.to === 'SPEAKING')).toBe(true); // and answered
      expect(events.at(-1)?.callEnded?.reason).toBe('caller_hangup');
      expectNothingSecret(edge.output(), { oldPassword, newPassword });
    } finally {
      edge.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('media tokens: new sockets need the new secret; a call admitted with the old one goes on', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-reload-auth-'));
    const secretFile = join(dataDir, 'media-token-secret');
    const [oldSecret, newSecret] = [secret('media-old'), secret('media-new')];
    writeFileSync(secretFile, oldSecret);
    const edge = spawnInvorto(['edge', '--edge-port', '0', '--sip-port=-1', '--data-dir', dataDir], { INVORTO_MEDIA_TOKEN_SECRET_FILE: secretFile, INVORTO_LOG_LEVEL: 'info' });
    try {
      await waitFor('edge start-up', edge, () => /"msg":"edge listening"/.test(edge.output()));
      const address = /"url":"http:\/\/([^"]+)"/.exec(edge.output())![1];
      const mediaUrl = (key: string) => `ws://${address}/media/twilio?token=${mintMediaToken(key, { tenantId: 'default', agentId: 'demo', expiresAt: Date.now() / 1000 + 600 })}`;
      const callA = placeTwilioCall({ url: mediaUrl(oldSecret), afterGreeting: true, frames: silenceFrames(3000), quietHangupMs: 1000, maxDurationMs: 30_000 });
      await waitFor('call A started', edge, () => /"msg":"call started"/.test(edge.output()));

      writeFileSync(secretFile, newSecret);
      edge.child.kill('SIGHUP');
      await waitFor('the reload', edge, () => /"msg":"secrets (not )?reloaded/.test(edge.output()));
      expect(await upgradeStatus(mediaUrl(oldSecret), {})).toBe(401);
      expect(await upgradeStatus(mediaUrl(newSecret), {})).toBe(101);

      const a = await callA;
      expect(a.closeCode).toBe(1000);
      expect(a.replies.length).toBeGreaterThanOrEqual(1); // the greeting played to its end
      expect(logLines(edge).find((l) => l.msg === 'call ended' && l.callId === a.callId)?.reason).toBe('caller_hangup');
      expect(edge.output()).toContain('"msg":"secrets reloaded: media-token-secret"');
      expect(await edge.stop()).toBe(0);
      expectNothingSecret(edge.output(), { oldSecret, newSecret });
    } finally {
      edge.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('a reload that cannot be read or used changes nothing, names the option and not the value; the edge runs on', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-reload-auth-'));
    const tokenFile = join(dataDir, 'twilio-auth-token');
    const usersFile = join(dataDir, 'sip-auth-users');
    const tokens = [secret('twilio-1'), secret('twilio-2'), secret('twilio-3')];
    const passwords = [secret('sip-1'), secret('sip-2')];
    writeFileSync(tokenFile, tokens[0]);
    writeFileSync(usersFile, `trunk:${passwords[0]}`);
    const sipPort = await freeUdpPort();
    const mediaSecret = secret('media');
    const edge = spawnInvorto(['edge', '--edge-port', '0', '--sip-port', String(sipPort), '--rtp-port-min', '48000', '--rtp-port-max', '48999', '--data-dir', dataDir], {
      INVORTO_TWILIO_AUTH_TOKEN_FILE: tokenFile, INVORTO_SIP_AUTH_USERS_FILE: usersFile, INVORTO_MEDIA_TOKEN_SECRET: mediaSecret, INVORTO_LOG_LEVEL: 'info',
    });
    const reloadLines = () => logLines(edge).map((l) => String(l.msg)).filter((m) => m.startsWith('secrets '));
    const hangup = async () => {
      const before = reloadLines().length;
      edge.child.kill('SIGHUP');
      await waitFor('a reload', edge, () => reloadLines().length > before);
      return reloadLines().at(-1);
    };
    try {
      await waitFor('edge start-up', edge, () => /"msg":"edge listening"/.test(edge.output()));
      const url = /"url":"http:\/\/([^"]+)"/.exec(edge.output())![1];
      const mediaUrl = `ws://${url}/media/twilio?token=${mintMediaToken(mediaSecret, { tenantId: 'default', agentId: 'demo', expiresAt: Date.now() / 1000 + 600 })}`;
      const accepts = async (token: string) => (await upgradeStatus(mediaUrl, { 'x-twilio-signature': twilioSignature(token, mediaUrl) })) === 101;

      writeFileSync(tokenFile, tokens[1]);
      expect(await hangup()).toBe('secrets reloaded: twilio-auth-token');
      expect([await accepts(tokens[0]), await accepts(tokens[1])]).toEqual([false, true]);

      // The file gone (a rotation half done): refused, naming the variable and its path.
      unlinkSync(tokenFile);
      expect(await hangup()).toBe(`secrets not reloaded: INVORTO_TWILIO_AUTH_TOKEN_FILE=${tokenFile} cannot be read (ENOENT): point it at a readable file`);
      expect(await accepts(tokens[1])).toBe(true);

      // A readable token beside a user list that cannot be parsed (its only entry could be a password): neither is
      // taken, so the edge never runs on half a rotation.
      writeFileSync(tokenFile, tokens[2]);
      writeFileSync(usersFile, passwords[1]);
      expect(await hangup()).toBe('secrets not reloaded: INVORTO_SIP_AUTH_USERS (--sip-auth-users): SIP auth entry 1 is not "user:password" or "user:password@address"');
      expect([await accepts(tokens[1]), await accepts(tokens[2])]).toEqual([true, false]);
      const kept = await dialWithDigest(sipPort, { user: 'trunk', password: passwords[0] });
      expect(kept.finals).toEqual(['SIP/2.0 401 Unauthorized', 'SIP/2.0 200 OK']);
      expect(await kept.call!.request('BYE')).toBe('SIP/2.0 200 OK');
      kept.call!.close();

      // Fixed: both are taken at once.
      writeFileSync(usersFile, `trunk:${passwords[1]}`);
      expect(await hangup()).toBe('secrets reloaded: twilio-auth-token, sip-auth-users');
      expect([await accepts(tokens[1]), await accepts(tokens[2])]).toEqual([false, true]);
      expect((await dialWithDigest(sipPort, { user: 'trunk', password: passwords[0] })).finals).toEqual(['SIP/2.0 401 Unauthorized', 'SIP/2.0 403 Forbidden']);

      expect(edge.child.exitCode).toBe(null);
      expect(await edge.stop()).toBe(0);
      expectNothingSecret(edge.output(), { ...Object.fromEntries(tokens.map((t, i) => [`token ${i}`, t])), ...Object.fromEntries(passwords.map((p, i) => [`password ${i}`, p])), mediaSecret });
    } finally {
      edge.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
