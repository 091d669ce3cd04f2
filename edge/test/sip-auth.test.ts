// Digest authentication of INVITEs (RFC 2617 / 8760 over RFC 3261 §22): unit checks of the verdicts on fake time,
// then real sipp: with credentials it gets in; without, 401; with wrong ones, 401 then 403; and its own
// Authorization, replayed in a new INVITE, is refused.
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/sip/clock.ts';
import { DigestAuth, parseAuthorization, parseDigestUsers } from '../src/sip/digest-auth.ts';
import { parseSipMessage, type SipRequest } from '../src/sip/sip-message.ts';
import { SipServer } from '../src/sip/sip-server.ts';
import { silentLogger } from '../src/util/log.ts';
import { startTestEdge, type EdgeHarness } from './helpers/edge-harness.ts';
import { hasSipp, runSipp, sippCount, sippPort } from './helpers/sipp.ts';
import { LossyUdpProxy } from './helpers/sip-udp-proxy.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function inviteWith(authorization: string | null, uri = 'sip:demo@10.0.0.1'): SipRequest {
  const text = [`INVITE ${uri} SIP/2.0`, 'Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKx', 'From: <sip:a@b>;tag=1', `To: <${uri}>`, 'Call-ID: c', 'CSeq: 1 INVITE',
    ...(authorization ? [`Authorization: ${authorization}`] : []), 'Content-Length: 0', '', ''].join('\r\n');
  return parseSipMessage(Buffer.from(text)) as SipRequest;
}

/** What a client computes from a challenge (RFC 2617 §3.2.2), qop=auth or none. */
function answerChallenge(challenge: string, o: { user: string; password: string; uri?: string; nc?: number; qop?: boolean; algorithm?: 'MD5' | 'SHA-256' }): string {
  const c = parseAuthorization(challenge)!;
  const h = o.algorithm === 'SHA-256' ? sha256 : md5;
  const uri = o.uri ?? 'sip:demo@10.0.0.1';
  const ha1 = h(`${o.user}:${c.realm}:${o.password}`);
  const ha2 = h(`INVITE:${uri}`);
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const response = o.qop === false ? h(`${ha1}:${c.nonce}:${ha2}`) : h(`${ha1}:${c.nonce}:${nc}:abc:auth:${ha2}`);
  return `Digest username="${o.user}", realm="${c.realm}", nonce="${c.nonce}", uri="${uri}", response="${response}", algorithm=${o.algorithm ?? 'MD5'}`
    + (o.qop === false ? '' : `, qop=auth, nc=${nc}, cnonce="abc"`);
}

describe('digest verdicts (fake clock)', () => {
  const clock = new ManualClock();
  const auth = new DigestAuth({ realm: 'trunk.example', users: parseDigestUsers('alice:s3cret,bob:pw@10.0.0.9'), nonceTtlMs: 30_000, clock });

  it('parses users and refuses a malformed entry with its name', () => {
    expect(parseDigestUsers('alice:s3cret, bob:p:w@10.0.0.9')).toEqual([{ user: 'alice', password: 's3cret', trunk: undefined }, { user: 'bob', password: 'p:w', trunk: '10.0.0.9' }]);
    expect(() => parseDigestUsers(':pw')).toThrow(/INVORTO_SIP_AUTH_USERS.*SIP auth user ""/);
    // Without a colon the entry may be a password alone: it is named by its place, since the error is logged.
    expect(() => parseDigestUsers('alice:s3cret, hunter2')).toThrow(/INVORTO_SIP_AUTH_USERS.*SIP auth entry 2 is not/);
  });

  it('no credentials: challenge; wrong password, unknown user or another trunk\'s user: forbidden; right ones: ok', () => {
    expect(auth.verify(inviteWith(null), '10.0.0.2')).toBe('challenge');
    expect(auth.challenge()).toMatch(/^Digest realm="trunk.example", nonce="[^"]+", algorithm=MD5, qop="auth"$/);
    expect(auth.verify(inviteWith(answerChallenge(auth.challenge(), { user: 'alice', password: 'wrong' })), '10.0.0.2')).toBe('forbidden');
    expect(auth.verify(inviteWith(answerChallenge(auth.challenge(), { user: 'mallory', password: 's3cret' })), '10.0.0.2')).toBe('forbidden');
    expect(auth.verify(inviteWith(answerChallenge(auth.challenge(), { user: 'bob', password: 'pw' })), '10.0.0.2')).toBe('forbidden');
    expect(auth.verify(inviteWith(answerChallenge(auth.challenge(), { user: 'bob', password: 'pw' })), '10.0.0.9')).toBe('ok');
    expect(auth.verify(inviteWith(answerChallenge(auth.challenge(), { user: 'alice', password: 's3cret' })), '10.0.0.2')).toBe('ok');
    expect(auth.verify(inviteWith(answerChallenge(auth.challenge(), { user: 'alice', password: 's3cret', qop: false })), '10.0.0.2')).toBe('ok');
    expect(auth.verify(inviteWith(answerChallenge(auth.challenge(), { user: 'alice', password: 's3cret', algorithm: 'SHA-256' })), '10.0.0.2')).toBe('ok');
    // A digest made for another server does not open this one; sipp's way (host and port, no user) does.
    expect(auth.verify(inviteWith(answerChallenge(auth.challenge(), { user: 'alice', password: 's3cret', uri: 'sip:demo@10.0.0.7' })), '10.0.0.2')).toBe('forbidden');
    expect(auth.verify(inviteWith(answerChallenge(auth.challenge(), { user: 'alice', password: 's3cret', uri: 'sip:10.0.0.1' })), '10.0.0.2')).toBe('ok');
    // A nonce we did not make (forged, or from before a restart): a fresh challenge.
    expect(auth.verify(inviteWith(answerChallenge('Digest realm="trunk.example", nonce="abc.def.ghi"', { user: 'alice', password: 's3cret' })), '10.0.0.2')).toBe('challenge');
  });

  it('a replayed or expired nonce is refused as stale; with qop a growing nonce count is accepted', () => {
    const challenge = auth.challenge();
    const first = answerChallenge(challenge, { user: 'alice', password: 's3cret' });
    expect(auth.verify(inviteWith(first), '10.0.0.2')).toBe('ok');
    expect(auth.verify(inviteWith(first), '10.0.0.2')).toBe('stale'); // the same Authorization again
    expect(auth.verify(inviteWith(answerChallenge(challenge, { user: 'alice', password: 's3cret', nc: 2 })), '10.0.0.2')).toBe('ok');
    expect(auth.verify(inviteWith(answerChallenge(challenge, { user: 'alice', password: 's3cret', nc: 2 })), '10.0.0.2')).toBe('stale');
    const noQop = answerChallenge(auth.challenge(), { user: 'alice', password: 's3cret', qop: false });
    expect(auth.verify(inviteWith(noQop), '10.0.0.2')).toBe('ok');
    expect(auth.verify(inviteWith(noQop), '10.0.0.2')).toBe('stale'); // without qop a nonce is good once
    const late = auth.challenge();
    clock.advance(30_000);
    expect(auth.verify(inviteWith(answerChallenge(late, { user: 'alice', password: 's3cret' })), '10.0.0.2')).toBe('stale');
    expect(auth.challenge(true)).toMatch(/stale=true$/);
  });
});

describe.skipIf(!hasSipp)('digest authentication with sipp', () => {
  let harness: EdgeHarness;
  let sip: SipServer;
  beforeAll(async () => {
    harness = await startTestEdge({}, { maxCalls: 20 });
    sip = new SipServer({
      host: '127.0.0.1', port: 0, rtpPortMin: 47000, rtpPortMax: 47999, allow: ['127.0.0.1'], tenantId: 'default', edge: harness.edge.server, log: silentLogger,
      auth: { realm: 'invorto-test', users: parseDigestUsers('trunk1:open-sesame') },
    });
    await sip.listen();
  });
  afterAll(async () => { sip.close(); await harness.close(); });
  const scenario = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

  it('with credentials gets in (401, then 200 to the authenticated INVITE), and its Authorization replayed is refused', async () => {
    const proxy = new LossyUdpProxy({ address: '127.0.0.1', port: sip.port }, 0, 1); // no loss: it only keeps what passed
    await proxy.open();
    const result = await runSipp(['-sf', scenario('sipp-auth.xml'), `127.0.0.1:${proxy.port}`, '-s', 'demo', '-i', '127.0.0.1', '-p', String(sippPort()),
      '-au', 'trunk1', '-ap', 'open-sesame', '-m', '1', '-l', '1', '-timeout', '30s', '-timeout_error', '-nostdin'], harness.dataDir);
    proxy.close();
    expect(result.status, result.out.slice(-2000)).toBe(0);
    expect(sippCount(result.out, 'Successful call')).toBe(1);
    const statuses = proxy.datagrams.filter((d) => d.direction === 'down' && /CSeq: \d+ INVITE/.test(d.text)).map((d) => d.text.split('\r\n')[0]);
    expect(statuses[0]).toMatch(/^SIP\/2\.0 401 Unauthorized/);
    expect(statuses.filter((line) => line.startsWith('SIP/2.0 401')).length).toBe(1); // ACKed at once: no Timer G copy
    expect(statuses).toContain('SIP/2.0 200 OK');
    const signed = proxy.datagrams.find((d) => d.direction === 'up' && /^INVITE /.test(d.text) && /^Authorization: Digest /m.test(d.text))!.text;
    expect(signed).toMatch(/nonce="[^"]+"/);
    expect(sip.dialogs).toBe(0);

    // The same credentials in a new INVITE (new Call-ID, new branch): the nonce was used, so 401 stale=true, no call.
    const client = createSocket('udp4');
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const answers: string[] = [];
    client.on('message', (m) => answers.push(m.toString()));
    const replay = signed.replace(/^Call-ID: .*$/m, 'Call-ID: replayed-call').replace(/branch=[^;\s]+/, 'branch=z9hG4bK-replay');
    client.send(replay, sip.port, '127.0.0.1');
    for (let i = 0; i < 100 && !answers.some((a) => /^SIP\/2\.0 [2-6]/.test(a)); i++) await new Promise((r) => setTimeout(r, 20));
    client.close();
    const final = answers.find((a) => /^SIP\/2\.0 [2-6]/.test(a))!;
    expect(final).toMatch(/^SIP\/2\.0 401 Unauthorized/);
    expect(final).toMatch(/^WWW-Authenticate: Digest realm="invorto-test", nonce="[^"]+", algorithm=MD5, qop="auth", stale=true$/m);
    expect(sip.dialogs).toBe(0);
  });

  it('without credentials 401, with wrong ones 403', async () => {
    const proxy = new LossyUdpProxy({ address: '127.0.0.1', port: sip.port }, 0, 1);
    await proxy.open();
    const result = await runSipp(['-sf', scenario('sipp-auth-refused.xml'), `127.0.0.1:${proxy.port}`, '-s', 'demo', '-i', '127.0.0.1', '-p', String(sippPort()),
      '-au', 'trunk1', '-ap', 'not-the-password', '-m', '1', '-l', '1', '-timeout', '30s', '-timeout_error', '-nostdin'], harness.dataDir);
    proxy.close();
    expect(result.status, result.out.slice(-2000)).toBe(0);
    const finals = proxy.datagrams.filter((d) => d.direction === 'down' && /^SIP\/2\.0 [2-6]/.test(d.text)).map((d) => d.text.split('\r\n')[0]);
    expect(finals).toEqual(['SIP/2.0 401 Unauthorized', 'SIP/2.0 403 Forbidden']);
    expect(sip.dialogs).toBe(0);
  });
});
