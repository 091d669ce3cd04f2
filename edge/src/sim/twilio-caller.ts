// A simulated carrier + caller speaking Twilio Media Streams exactly as Twilio does: it streams 20 ms mu-law frames
// in real time, plays the agent's audio in real time (echoing each mark when the audio before it has played, or at
// once on `clear`, as Twilio does), and records what the agent said on the call's timeline.
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

const FRAME_MS = 20;
const FRAME_BYTES = 160;
const MULAW_SILENCE = 0xff;

export interface CallerOptions {
  /** ws://host:port/media/twilio */
  url: string;
  /** The caller's audio as 20 ms mu-law frames (160 bytes each). */
  frames: Uint8Array[];
  /** Stream parameters (Twilio customParameters): agentId, tenantId… */
  parameters?: Record<string, string>;
  /** After the caller's audio ends, hang up once the agent has been quiet this long. */
  quietHangupMs?: number;
  /** Hard limit on the whole call. */
  maxDurationMs?: number;
  /** Override the `start` message's mediaFormat (for bad-input tests). */
  mediaFormat?: Record<string, unknown>;
}

export interface ReceivedReply {
  mark: string;
  /** Milliseconds since the call started (the first frame sent). */
  firstAudioMs: number | null;
  doneMs: number;
}

export interface CallerResult {
  framesSent: number;
  framesReceived: number;
  /** The agent's audio, mu-law 8 kHz, placed on the call's timeline (silence where it said nothing). */
  agentAudio: Uint8Array;
  replies: ReceivedReply[];
  clears: number[];
  closeCode: number;
  closeReason: string;
  durationMs: number;
}

export function placeTwilioCall(options: CallerOptions): Promise<CallerResult> {
  const quietHangupMs = options.quietHangupMs ?? 2500;
  const maxDurationMs = options.maxDurationMs ?? 120_000;
  const streamSid = `MZ${randomBytes(16).toString('hex')}`;
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  const ws = new WebSocket(options.url);
  const silence = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);

  const recording: Uint8Array[] = [];
  let recordedBytes = 0;
  let playedBytes = 0; // the caller's "speaker" position, in bytes of agent audio
  let queuedBytes = 0; // agent audio received but not yet played
  const pendingMarks: { name: string; atBytes: number }[] = [];
  const replies: ReceivedReply[] = [];
  const clears: number[] = [];
  let replyFirstAudioMs: number | null = null;
  let lastAgentAudioMs = 0;
  let framesSent = 0;
  let framesReceived = 0;
  let t0 = 0;
  let timer: NodeJS.Timeout | null = null;
  let sequence = 1;

  const nowMs = () => performance.now() - t0;
  const sendJson = (message: object) => { if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message)); };

  const record = (payload: Uint8Array) => {
    // Place audio on the timeline: if the agent was silent, fill the gap with silence.
    const expectedBytes = Math.floor(nowMs() * 8);
    if (queuedBytes === 0 && expectedBytes > recordedBytes + FRAME_BYTES * 2) {
      const gap = expectedBytes - recordedBytes;
      recording.push(new Uint8Array(gap).fill(MULAW_SILENCE));
      recordedBytes += gap;
      playedBytes = recordedBytes;
    }
    recording.push(payload);
    recordedBytes += payload.length;
    queuedBytes += payload.length;
  };

  const play = (bytes: number) => {
    const step = Math.min(bytes, queuedBytes);
    queuedBytes -= step;
    playedBytes += step;
    while (pendingMarks.length && pendingMarks[0].atBytes <= playedBytes) echoMark(pendingMarks.shift()!.name);
  };

  const echoMark = (name: string) => {
    sendJson({ event: 'mark', sequenceNumber: String(sequence++), streamSid, mark: { name } });
    replies.push({ mark: name, firstAudioMs: replyFirstAudioMs, doneMs: nowMs() });
    replyFirstAudioMs = null;
  };

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (code: number, reason: string) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      const agentAudio = new Uint8Array(recordedBytes);
      let offset = 0;
      for (const chunk of recording) { agentAudio.set(chunk, offset); offset += chunk.length; }
      resolve({ framesSent, framesReceived, agentAudio, replies, clears, closeCode: code, closeReason: reason, durationMs: nowMs() });
    };

    ws.on('error', (error) => { if (!settled && ws.readyState !== WebSocket.OPEN) { settled = true; reject(new Error(`could not connect to ${options.url}: ${error.message}`)); } });
    ws.on('close', (code, reason) => finish(code, reason.toString()));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(data.toString());
      if (message.event === 'media') {
        const payload = Buffer.from(message.media.payload, 'base64');
        framesReceived++;
        if (replyFirstAudioMs === null) replyFirstAudioMs = nowMs();
        lastAgentAudioMs = nowMs();
        record(payload);
      } else if (message.event === 'mark') {
        pendingMarks.push({ name: message.mark.name, atBytes: playedBytes + queuedBytes });
        play(0);
      } else if (message.event === 'clear') {
        clears.push(nowMs());
        queuedBytes = 0;
        for (const mark of pendingMarks.splice(0)) echoMark(mark.name);
      }
    });

    ws.on('open', () => {
      sendJson({ event: 'connected', protocol: 'Call', version: '1.0.0' });
      sendJson({
        event: 'start', sequenceNumber: String(sequence++), streamSid,
        start: {
          streamSid, accountSid: `AC${randomBytes(16).toString('hex')}`, callSid, tracks: ['inbound'],
          customParameters: options.parameters ?? {},
          mediaFormat: options.mediaFormat ?? { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
      });
      t0 = performance.now();
      let nextMs = 0;
      const tick = () => {
        if (ws.readyState !== WebSocket.OPEN) return;
        // Send every frame that is due (catching up if the timer was late), then play the agent's audio for that time.
        while (nextMs <= nowMs()) {
          const frame = framesSent < options.frames.length ? options.frames[framesSent] : silence;
          sendJson({
            event: 'media', sequenceNumber: String(sequence++), streamSid,
            media: { track: 'inbound', chunk: String(framesSent + 1), timestamp: String(framesSent * FRAME_MS), payload: Buffer.from(frame).toString('base64') },
          });
          framesSent++;
          nextMs += FRAME_MS;
          play(FRAME_BYTES);
        }
        const callerDone = framesSent >= options.frames.length;
        const agentQuiet = queuedBytes === 0 && pendingMarks.length === 0 && nowMs() - lastAgentAudioMs > quietHangupMs;
        const quietSinceCallerDone = nowMs() - options.frames.length * FRAME_MS > quietHangupMs;
        if ((callerDone && agentQuiet && quietSinceCallerDone) || nowMs() > maxDurationMs) {
          sendJson({ event: 'stop', sequenceNumber: String(sequence++), streamSid, stop: { accountSid: '', callSid } });
          ws.close(1000, 'caller hung up');
          return;
        }
        timer = setTimeout(tick, Math.max(0, nextMs - nowMs()));
      };
      tick();
    });
  });
}
