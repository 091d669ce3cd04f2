// A simulated carrier + caller speaking a carrier's media-stream protocol exactly (sim/dialects.ts): it streams the
// caller's audio in real time, plays the agent's audio in real time (acknowledging each mark/checkpoint when the
// audio before it has played, or at once on a clear, as carriers do), and records what the agent said.
import WebSocket from 'ws';
import { decodeMulaw, encodeMulaw } from '@invorto/dsp/g711.ts';
import { dialects, type CarrierDialect } from './dialects.ts';

const FRAME_MS = 20;
const MULAW_SILENCE = 0xff;

export interface CallerOptions {
  /** ws://host:port/media/<protocol>?token=… */
  url: string;
  /** twilio (default), plivo, exotel, telnyx or native. */
  protocol?: string;
  /** The caller's audio as 20 ms mu-law frames (160 bytes each). */
  frames: Uint8Array[];
  /** Stream parameters (custom parameters / extra headers). */
  parameters?: Record<string, string>;
  /** Headers of the WebSocket upgrade, as the carrier sends them (Twilio's X-Twilio-Signature). */
  headers?: Record<string, string>;
  /** After the caller's audio ends, hang up once the agent has been quiet this long. */
  quietHangupMs?: number;
  /** Hard limit on the whole call. */
  maxDurationMs?: number;
  /**
   * A caller who waits out the greeting: silence until the agent's first reply has played to its mark, then `frames`.
   * Without it, `frames` start at once, whatever the agent is doing (a caller who may talk over a slow greeting).
   * `'started'`: silence until the greeting's first audio arrives, then `frames` (a caller who talks over it).
   */
  afterGreeting?: boolean | 'started';
  /**
   * A handset that echoes: the agent audio the caller's speaker played `delayMs` ago comes back in what the caller
   * sends, `gainDb` down (mixed with the caller's own audio). Only for mu-law dialects.
   */
  echo?: { delayMs: number; gainDb: number };
  /** A noisy line: 20 ms mu-law frames looped under everything the caller sends, silence while waiting included. */
  lineNoise?: Uint8Array[];
}

export interface ReceivedReply {
  mark: string;
  /** Milliseconds since the call started (the first frame sent). */
  firstAudioMs: number | null;
  doneMs: number;
}

/** Agent audio the edge cleared (the caller spoke over it) before the reply's mark: a reply cut short. */
export interface CutReply {
  firstAudioMs: number;
  cutMs: number;
}

export interface CallerResult {
  /** The edge's id for the call (the `x-invorto-call-id` header of its upgrade response); null if it sent none. */
  callId: string | null;
  framesSent: number;
  /** Media messages received from the edge, and the size of each (bytes of wire audio). */
  framesReceived: number;
  messageBytes: number[];
  /** The agent's audio as 8 kHz mu-law, placed on the call's timeline (silence where it said nothing). */
  agentAudio: Uint8Array;
  replies: ReceivedReply[];
  cutReplies: CutReply[];
  clears: number[];
  /** When agent audio arrived, as runs of messages no more than 100 ms apart (ms since the call started). */
  agentAudioSpans: { startMs: number; endMs: number }[];
  closeCode: number;
  closeReason: string;
  durationMs: number;
  /** performance.now() when the first frame was sent: the zero of every time above. */
  startedAtMs: number;
  /** When the caller's own audio (`frames`) began: after the silence sent while waiting out the greeting, or 0. */
  callerAudioStartMs: number;
}

/** Caller frames (mu-law) in the carrier's wire format, as its media messages carry them. */
function wireMessages(dialect: CarrierDialect, frames: Uint8Array[]): Uint8Array[] {
  const perMessage = Math.max(1, Math.round(dialect.messageMs / FRAME_MS));
  const messages: Uint8Array[] = [];
  for (let i = 0; i < frames.length; i += perMessage) {
    const mulaw = Buffer.concat(frames.slice(i, i + perMessage));
    if (dialect.format.encoding === 'mulaw') messages.push(mulaw);
    else {
      const pcm = decodeMulaw(mulaw);
      messages.push(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    }
  }
  return messages;
}

/** Adds line noise to mu-law frames; `firstFrame` is where in the (looped) noise the first frame falls. */
function withLineNoise(frames: Uint8Array[], noise: Uint8Array[], firstFrame: number): Uint8Array[] {
  return frames.map((frame, k) => {
    const mixed = decodeMulaw(frame);
    const bed = decodeMulaw(noise[(firstFrame + k) % noise.length]);
    for (let i = 0; i < mixed.length; i++) mixed[i] = Math.max(-32768, Math.min(32767, mixed[i] + bed[i]));
    return encodeMulaw(mixed);
  });
}

export function placeCall(options: CallerOptions): Promise<CallerResult> {
  const makeDialect = dialects[options.protocol ?? 'twilio'];
  if (!makeDialect) return Promise.reject(new Error(`unknown protocol "${options.protocol}" (have: ${Object.keys(dialects).join(', ')})`));
  const dialect = makeDialect();
  const quietHangupMs = options.quietHangupMs ?? 2500;
  const maxDurationMs = options.maxDurationMs ?? 120_000;
  const bytesPerMs = (dialect.format.sampleRateHz / 1000) * (dialect.format.encoding === 'l16' ? 2 : 1);
  const toMulaw = (payload: Uint8Array) => (dialect.format.encoding === 'mulaw' ? payload : encodeMulaw(new Int16Array(payload.slice().buffer, 0, payload.length >> 1)));
  const outgoing = wireMessages(dialect, options.frames);
  const framesPerMessage = Math.max(1, Math.round(dialect.messageMs / FRAME_MS));
  const silentFrame = new Uint8Array(160).fill(MULAW_SILENCE);
  const silence = wireMessages(dialect, Array.from({ length: framesPerMessage }, () => silentFrame))[0];
  const lineNoise = options.lineNoise?.length ? options.lineNoise : null;
  /** Message `messageIndex` on a noisy line: the caller's message `ownIndex` (null: silence) with the noise under it. */
  const noisyMessage = (messageIndex: number, ownIndex: number | null) => {
    const frames = Array.from({ length: framesPerMessage }, (_, k) => (ownIndex === null ? undefined : options.frames[ownIndex * framesPerMessage + k]) ?? silentFrame);
    return wireMessages(dialect, withLineNoise(frames, lineNoise!, messageIndex * framesPerMessage))[0];
  };
  const ws = new WebSocket(options.url, { headers: options.headers });

  const recording: Uint8Array[] = [];
  let recordedMs = 0;
  let playedMs = 0; // the caller's "speaker" position
  let queuedMs = 0; // agent audio received but not yet played
  const pendingMarks: { name: string; atMs: number }[] = [];
  const replies: ReceivedReply[] = [];
  const cutReplies: CutReply[] = [];
  let callId: string | null = null;
  const clears: number[] = [];
  const spans: { startMs: number; endMs: number }[] = [];
  const messageBytes: number[] = [];
  let replyFirstAudioMs: number | null = null;
  let lastAgentAudioMs = 0;
  let messagesSent = 0;
  let leadIn = 0; // silent messages sent while waiting for the greeting
  let t0 = 0;
  let timer: NodeJS.Timeout | null = null;

  const nowMs = () => performance.now() - t0;
  const send = (message: string | Uint8Array) => { if (ws.readyState === WebSocket.OPEN) ws.send(message); };

  // The agent audio as the caller's speaker played it, on the call's timeline, kept flat for the echo.
  let timeline = new Uint8Array(options.echo ? 8000 * 30 : 0);
  let timelineBytes = 0;
  const keep = (mulaw: Uint8Array) => {
    if (!options.echo) return;
    if (timelineBytes + mulaw.length > timeline.length) {
      const grown = new Uint8Array(Math.max(timeline.length * 2, timelineBytes + mulaw.length));
      grown.set(timeline.subarray(0, timelineBytes));
      timeline = grown;
    }
    timeline.set(mulaw, timelineBytes);
    timelineBytes += mulaw.length;
  };

  const record = (payload: Uint8Array) => {
    const ms = payload.length / bytesPerMs;
    // Place audio on the timeline: if the agent was silent, fill the gap with silence.
    if (queuedMs === 0 && nowMs() > recordedMs + 2 * FRAME_MS) {
      const gapMs = nowMs() - recordedMs;
      recording.push(new Uint8Array(Math.floor(gapMs * 8)).fill(MULAW_SILENCE));
      keep(recording.at(-1)!);
      recordedMs += Math.floor(gapMs * 8) / 8;
      playedMs = recordedMs;
    }
    recording.push(toMulaw(payload));
    keep(recording.at(-1)!);
    recordedMs += ms;
    queuedMs += ms;
  };

  const withEcho = (own: Uint8Array, atMs: number): Uint8Array => {
    const { delayMs, gainDb } = options.echo!;
    const played = timeline.subarray(0, timelineBytes);
    const from = Math.round((atMs - delayMs) * 8);
    if (from < 0 || from >= played.length || atMs - delayMs > playedMs) return own;
    const gain = 10 ** (gainDb / 20);
    const mine = decodeMulaw(own);
    const theirs = decodeMulaw(played.subarray(from, from + own.length));
    for (let i = 0; i < theirs.length; i++) mine[i] = Math.max(-32768, Math.min(32767, Math.round(mine[i] + theirs[i] * gain)));
    return encodeMulaw(mine);
  };

  const acknowledge = (name: string) => {
    send(dialect.markPlayed(name));
    replies.push({ mark: name, firstAudioMs: replyFirstAudioMs, doneMs: nowMs() });
    replyFirstAudioMs = null;
  };

  const play = (ms: number) => {
    const step = Math.min(ms, queuedMs);
    queuedMs -= step;
    playedMs += step;
    while (pendingMarks.length && pendingMarks[0].atMs <= playedMs + 1e-6) acknowledge(pendingMarks.shift()!.name);
  };

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (code: number, reason: string) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve({
        framesSent: Math.round((messagesSent * dialect.messageMs) / FRAME_MS), framesReceived: messageBytes.length, messageBytes,
        agentAudio: new Uint8Array(Buffer.concat(recording)), callId, replies, cutReplies, clears, agentAudioSpans: spans, closeCode: code, closeReason: reason, durationMs: nowMs(), startedAtMs: t0, callerAudioStartMs: leadIn * dialect.messageMs,
      });
    };

    ws.on('error', (error) => { if (!settled && ws.readyState !== WebSocket.OPEN) { settled = true; reject(new Error(`could not connect to ${options.url}: ${error.message}`)); } });
    ws.on('upgrade', (response) => { callId = [response.headers['x-invorto-call-id']].flat()[0] ?? null; });
    ws.on('close', (code, reason) => finish(code, reason.toString()));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const event = dialect.read(data, isBinary);
      if (!event) return;
      if (event.kind === 'audio') {
        messageBytes.push(event.payload.length);
        const span = spans.at(-1);
        if (span && nowMs() - span.endMs <= 100) span.endMs = nowMs();
        else spans.push({ startMs: nowMs(), endMs: nowMs() });
        if (replyFirstAudioMs === null) replyFirstAudioMs = nowMs();
        lastAgentAudioMs = nowMs();
        record(event.payload);
      } else if (event.kind === 'mark') {
        pendingMarks.push({ name: event.name, atMs: playedMs + queuedMs });
        play(0);
      } else {
        clears.push(nowMs());
        if (replyFirstAudioMs !== null) cutReplies.push({ firstAudioMs: replyFirstAudioMs, cutMs: nowMs() });
        queuedMs = 0;
        replyFirstAudioMs = null;
        for (const mark of pendingMarks.splice(0)) acknowledge(mark.name);
      }
    });

    ws.on('open', () => {
      for (const message of dialect.opening(options.parameters ?? {})) send(message);
      t0 = performance.now();
      let nextMs = 0;
      let waitingForGreeting = options.afterGreeting === true || options.afterGreeting === 'started';
      const greetingHeard = () => replies.length > 0 || (options.afterGreeting === 'started' && (replyFirstAudioMs !== null || cutReplies.length > 0));
      const tick = () => {
        if (ws.readyState !== WebSocket.OPEN) return;
        // Send every message that is due (catching up if the timer was late), then play the agent for that time.
        while (nextMs <= nowMs()) {
          if (waitingForGreeting && greetingHeard()) waitingForGreeting = false;
          if (waitingForGreeting) leadIn++;
          const index = messagesSent - leadIn;
          const speaking = !waitingForGreeting && index < outgoing.length;
          const own = lineNoise ? noisyMessage(messagesSent, speaking ? index : null) : speaking ? outgoing[index] : silence;
          send(dialect.media(messagesSent, options.echo ? withEcho(own, nextMs) : own));
          messagesSent++;
          nextMs += dialect.messageMs;
          play(dialect.messageMs);
        }
        const callerDone = !waitingForGreeting && messagesSent - leadIn >= outgoing.length;
        const agentQuiet = queuedMs === 0 && pendingMarks.length === 0 && nowMs() - lastAgentAudioMs > quietHangupMs;
        const quietSinceCallerDone = nowMs() - (leadIn + outgoing.length) * dialect.messageMs > quietHangupMs;
        if ((callerDone && agentQuiet && quietSinceCallerDone) || nowMs() > maxDurationMs) {
          send(dialect.stop());
          ws.close(1000, 'caller hung up');
          return;
        }
        timer = setTimeout(tick, Math.max(0, nextMs - nowMs()));
      };
      tick();
    });
  });
}

/** The Twilio caller most tests and `invorto call` use. */
export const placeTwilioCall = (options: Omit<CallerOptions, 'protocol'>) => placeCall({ ...options, protocol: 'twilio' });
