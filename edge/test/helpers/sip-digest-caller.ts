// A trunk that authenticates its INVITEs with digest (RFC 2617: MD5, qop=auth) on a real UDP socket, for tests of an
// edge process: INVITE, the 401 ACKed and answered with credentials, then the final answer; on 200 the call is up
// with RTP both ways (an even port and RTCP above it, as SIP peers bind them).
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { buildRtp, parseRtp } from '@invorto/dsp/rtp.ts';
import { parseAuthorization } from '../../src/sip/digest-auth.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface DigestCall {
  callId: string;
  /** The agent's RTP audio as it arrived: each packet's payload and when (performance.now()). */
  received: { atMs: number; payload: Uint8Array }[];
  /** Streams 20 ms mu-law frames as RTP in real time. */
  say(frames: Uint8Array[]): Promise<void>;
  /** An in-dialog request (OPTIONS, BYE): resolves with the status line of its answer. */
  request(method: string): Promise<string>;
  close(): void;
}

/** Dials the edge's agent `demo`; `finals` holds the status line of each final answer to our INVITEs, in order. */
export async function dialWithDigest(sipPort: number, credentials: { user: string; password: string }): Promise<{ finals: string[]; call: DigestCall | null }> {
  const sip = createSocket('udp4');
  await new Promise<void>((resolve) => sip.bind(0, '127.0.0.1', () => resolve()));
  const [rtp, rtcp] = await bindPair();
  const answers: string[] = [];
  sip.on('message', (message) => answers.push(message.toString()));
  const received: DigestCall['received'] = [];
  rtp.on('message', (packet) => received.push({ atMs: performance.now(), payload: parseRtp(packet).payload }));
  const close = () => { sip.close(); rtp.close(); rtcp.close(); };

  const uri = `sip:demo@127.0.0.1:${sipPort}`;
  const callId = `digest-${randomBytes(6).toString('hex')}`;
  const local = `127.0.0.1:${sip.address().port}`;
  let cseq = 0;
  let toTag = '';
  const message = (method: string, seq: number, branch: string, extra: string[] = [], body = '') => [
    `${method} ${uri} SIP/2.0`, `Via: SIP/2.0/UDP ${local};branch=z9hG4bK-${branch}`, 'Max-Forwards: 70', 'From: <sip:trunk@127.0.0.1>;tag=trunk1',
    `To: <${uri}>${toTag ? `;tag=${toTag}` : ''}`, `Call-ID: ${callId}`, `CSeq: ${seq} ${method}`, `Contact: <sip:trunk@${local}>`, ...extra,
    ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body,
  ].join('\r\n');
  const send = (text: string) => sip.send(text, sipPort, '127.0.0.1');
  const finalTo = async (seq: number, method: string) => {
    const mine = (a: string) => /^SIP\/2\.0 [2-6]/.test(a) && new RegExp(`^CSeq: ${seq} ${method}\\r?$`, 'm').test(a);
    for (const deadline = Date.now() + 15_000; !answers.some(mine);) {
      if (Date.now() > deadline) throw new Error(`no final answer to ${method} (CSeq ${seq}); got:\n${answers.join('\n---\n')}`);
      await sleep(10);
    }
    return answers.find(mine)!;
  };
  const sdp = ['v=0', 'o=trunk 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${rtp.address().port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');

  const invite = async (authorization?: string) => {
    const seq = ++cseq;
    const branch = randomBytes(6).toString('hex');
    send(message('INVITE', seq, branch, authorization ? [`Authorization: ${authorization}`] : [], sdp));
    const final = await finalTo(seq, 'INVITE');
    toTag = /^To:.*;tag=([^;\s]+)/m.exec(final)?.[1] ?? '';
    // A non-2xx is ACKed in its own transaction (same branch); a 2xx in a new one.
    send(message('ACK', seq, final.startsWith('SIP/2.0 2') ? randomBytes(6).toString('hex') : branch));
    return final;
  };

  const finals: string[] = [];
  let final = await invite();
  finals.push(final.split('\r\n')[0]);
  if (final.startsWith('SIP/2.0 401')) {
    const challenge = parseAuthorization(/^WWW-Authenticate: (.*)$/m.exec(final)![1].trim())!;
    const cnonce = randomBytes(4).toString('hex');
    const ha1 = md5(`${credentials.user}:${challenge.realm}:${credentials.password}`);
    const response = md5(`${ha1}:${challenge.nonce}:00000001:${cnonce}:auth:${md5(`INVITE:${uri}`)}`);
    toTag = '';
    final = await invite(`Digest username="${credentials.user}", realm="${challenge.realm}", nonce="${challenge.nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"`);
    finals.push(final.split('\r\n')[0]);
  }
  if (!final.startsWith('SIP/2.0 200')) {
    close();
    return { finals, call: null };
  }
  const edgeRtpPort = Number(/^m=audio (\d+)/m.exec(final)![1]);
  let sequence = 0;
  return {
    finals,
    call: {
      callId,
      received,
      async say(frames) {
        const startMs = performance.now();
        for (let i = 0; i < frames.length; i++) {
          rtp.send(buildRtp({ payloadType: 0, sequence: sequence & 0xffff, timestamp: (sequence * 160) >>> 0, ssrc: 4242 }, frames[i]), edgeRtpPort, '127.0.0.1');
          sequence++;
          const waitMs = startMs + (i + 1) * 20 - performance.now();
          if (waitMs > 0) await sleep(waitMs);
        }
      },
      async request(method) {
        const seq = ++cseq;
        send(message(method, seq, randomBytes(6).toString('hex')));
        return (await finalTo(seq, method)).split('\r\n')[0];
      },
      close,
    },
  };
}

/** An even RTP port and RTCP on the port above it. */
async function bindPair(): Promise<[Socket, Socket]> {
  const bind = (port: number) => new Promise<Socket | null>((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => { socket.close(); resolve(null); });
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 50000 + 2 * Math.floor(Math.random() * 1000);
    const rtp = await bind(port);
    const rtcp = rtp ? await bind(port + 1) : null;
    if (rtp && rtcp) return [rtp, rtcp];
    rtp?.close();
  }
  throw new Error('no free RTP/RTCP port pair in 50000-51999');
}
