// One generator process of `invorto bench load`: its share of the simulated Twilio calls. One scheduler loop sends
// every call's due frames (no timer per call), each at its own phase, and records when each frame left; the agent's
// audio is counted, its marks acknowledged once the audio before them has "played", as Twilio does.
import WebSocket from 'ws';
import { randomBytes } from 'node:crypto';
import { loadCallerScripts, type CallerScript } from './caller-script.ts';
import { CALL_ID_STRIDE, FRAME_MS, LATENESS_BUCKET_MS, MAX_CALL_ID, clockMs, exitWithParent, report, signatureFrame, type CallResult, type GeneratorCommand } from './shared.ts';

const latenessHistogram = new Uint32Array(1001);

const REPLY_GAP_MS = 100;
/** Set by the bench's config message: how long calls last before a new one replaces them (0: the whole run). */
let callDurationMs = 0;

class LoadCall {
  readonly streamSid = `MZ${randomBytes(16).toString('hex')}`;
  readonly #script: CallerScript;
  readonly #offset: number;
  readonly #introFrames: number;
  #sequence = 1;
  #frameIndex = 0;
  /** When this call hangs up to make room for a new one (Infinity: it lasts the run). */
  hangupAtMs = Infinity;
  sendMs = new Float64Array(1024);
  nextDueMs = Infinity;
  open = false;
  done = false;
  speechEndsMs: number[] = [];
  replyStartsMs: number[] = [];
  agentFrames = 0;
  #lastAgentMs = -Infinity;
  #playedUntilMs = 0;
  pendingMarks: { name: string; dueMs: number }[] = [];
  closeCode = 0;
  error: string | null = null;
  readonly ws: WebSocket;
  readonly closed: Promise<void>;

  constructor(readonly callId: number, url: string, scripts: CallerScript[]) {
    this.#script = scripts[callId % scripts.length];
    const starts = this.#script.utteranceStarts;
    this.#offset = starts[Math.floor(callId / scripts.length) % starts.length];
    // Up to 4 s more silence at the start, varied per call: calls ramped together would otherwise take their turns
    // in lockstep, a burst no real call mix has.
    this.#introFrames = this.#script.introFrames + ((callId * 7919) % 200);
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code) => { this.closeCode = code; this.open = false; this.done = true; resolve(); });
    });
    this.ws.on('error', (error) => { this.error ??= error.message; });
    this.ws.on('unexpected-response', (_req, res) => { this.error = `edge answered HTTP ${res.statusCode}`; this.ws.terminate(); });
    this.ws.on('open', () => this.#start());
    this.ws.on('message', (data: Buffer, isBinary) => this.#onMessage(data, isBinary));
  }

  #send(text: string): void {
    this.ws.send(text);
  }

  #start(): void {
    const sid = this.streamSid;
    this.#send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    this.#send(JSON.stringify({ event: 'start', sequenceNumber: String(this.#sequence++), streamSid: sid, start: { streamSid: sid, accountSid: `AC${'0'.repeat(32)}`, callSid: `CA${randomBytes(16).toString('hex')}`, tracks: ['inbound'], customParameters: { bench: 'load' }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } }));
    this.open = true;
    this.nextDueMs = clockMs();
    if (callDurationMs > 0) {
      // The first calls' lengths are spread from half to one and a half times the duration, so they do not all
      // hang up together; later calls keep that phase by lasting the duration itself.
      const spread = this.callId < CALL_ID_STRIDE ? 0.5 + ((this.callId * 7919) % 1000) / 1000 : 1;
      this.hangupAtMs = this.nextDueMs + callDurationMs * spread;
    }
  }

  /** Sends every frame that is due; returns when the next one is. */
  sendDue(nowMs: number): void {
    while (this.open && this.nextDueMs <= nowMs) {
      const k = this.#frameIndex++;
      const payload = k === 0 ? signatureBase64(this.callId) : this.#payload(k - 1);
      const lateMs = nowMs - this.nextDueMs;
      latenessHistogram[Math.min(latenessHistogram.length - 1, Math.floor(lateMs / LATENESS_BUCKET_MS))]++;
      this.#send(`{"event":"media","sequenceNumber":"${this.#sequence++}","streamSid":"${this.streamSid}","media":{"track":"inbound","chunk":"${k + 1}","timestamp":"${k * FRAME_MS}","payload":"${payload}"}}`);
      if (k >= this.sendMs.length) {
        const grown = new Float64Array(this.sendMs.length * 2);
        grown.set(this.sendMs);
        this.sendMs = grown;
      }
      const sentMs = clockMs();
      this.sendMs[k] = sentMs;
      this.nextDueMs += FRAME_MS;
    }
  }

  #payload(j: number): string {
    const script = this.#script;
    if (j < this.#introFrames) return script.silenceBase64;
    const index = (j - this.#introFrames + this.#offset) % script.cycleBase64.length;
    if (script.cycleSpeechEnd[index]) this.speechEndsMs.push(clockMs());
    return script.cycleBase64[index];
  }

  ackDueMarks(nowMs: number): void {
    while (this.pendingMarks.length && this.pendingMarks[0].dueMs <= nowMs) this.#ack(this.pendingMarks.shift()!.name);
  }

  #ack(name: string): void {
    if (this.open) this.#send(JSON.stringify({ event: 'mark', sequenceNumber: String(this.#sequence++), streamSid: this.streamSid, mark: { name } }));
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) return;
    const nowMs = clockMs();
    // {"event":"media"… is nearly every message: recognised by two bytes, not parsed.
    if (data[10] === 0x6d && data[11] === 0x65) {
      this.agentFrames++;
      if (nowMs - this.#lastAgentMs > REPLY_GAP_MS) this.replyStartsMs.push(nowMs);
      this.#lastAgentMs = nowMs;
      this.#playedUntilMs = Math.max(this.#playedUntilMs, nowMs) + FRAME_MS;
      return;
    }
    const message = JSON.parse(data.toString()) as { event?: string; mark?: { name?: string } };
    if (message.event === 'mark') this.pendingMarks.push({ name: String(message.mark?.name), dueMs: Math.max(this.#playedUntilMs, nowMs) });
    else if (message.event === 'clear') {
      // Twilio drops its buffer and reports every pending mark at once.
      for (const mark of this.pendingMarks.splice(0)) this.#ack(mark.name);
      this.#playedUntilMs = nowMs;
    }
  }

  hangup(): void {
    if (this.open) this.#send(JSON.stringify({ event: 'stop', sequenceNumber: String(this.#sequence++), streamSid: this.streamSid, stop: { accountSid: '', callSid: '' } }));
    this.open = false;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000, 'caller hung up');
    else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }

  result(): CallResult {
    return {
      callId: this.callId, sendMs: this.sendMs.slice(0, this.#frameIndex), speechEndsMs: this.speechEndsMs, replyStartsMs: this.replyStartsMs,
      agentFrames: this.agentFrames, closeCode: this.closeCode, error: this.error,
    };
  }

  get framesSent(): number {
    return this.#frameIndex;
  }
}

const signatures = new Map<number, string>();
const signatureBase64 = (callId: number) => {
  let text = signatures.get(callId);
  if (!text) signatures.set(callId, text = Buffer.from(signatureFrame(callId)).toString('base64'));
  return text;
};

function main(): void {
  const scripts = loadCallerScripts();
  const calls: LoadCall[] = [];
  let url = '';
  let timer: NodeJS.Timeout | null = null;
  const loop = () => {
    const nowMs = clockMs();
    let nextMs = nowMs + FRAME_MS;
    for (let i = 0, n = calls.length; i < n; i++) {
      const call = calls[i];
      if (!call.open) continue;
      if (nowMs >= call.hangupAtMs && call.callId + CALL_ID_STRIDE <= MAX_CALL_ID) {
        // Churn: the caller hangs up and a new call, the next in its line, dials in (it sends from the next pass).
        call.hangup();
        calls.push(new LoadCall(call.callId + CALL_ID_STRIDE, url, scripts));
        continue;
      }
      call.sendDue(nowMs);
      call.ackDueMarks(nowMs);
      if (call.nextDueMs < nextMs) nextMs = call.nextDueMs;
      if (call.pendingMarks.length && call.pendingMarks[0].dueMs < nextMs) nextMs = call.pendingMarks[0].dueMs;
    }
    timer = setTimeout(loop, Math.max(0, nextMs - clockMs()));
  };
  process.on('message', async (command: GeneratorCommand) => {
    if (command.type === 'config') {
      url = command.url;
      callDurationMs = command.callDurationMs;
      report({ type: 'configured' });
      timer ??= setTimeout(loop, 0);
    } else if (command.type === 'add') {
      for (const callId of command.callIds) calls.push(new LoadCall(callId, url, scripts));
    } else if (command.type === 'status') {
      let framesSent = 0;
      let agentFrames = 0;
      for (const call of calls) { framesSent += call.framesSent; agentFrames += call.agentFrames; }
      report({ type: 'status', open: calls.filter((c) => c.open).length, failed: calls.filter((c) => c.error && !c.framesSent).length, framesSent, agentFrames });
    } else if (command.type === 'hangup') {
      for (const call of calls) call.hangup();
      await Promise.race([Promise.all(calls.map((c) => c.closed)), new Promise((r) => setTimeout(r, 5000))]);
      for (const call of calls) if (!call.done) call.ws.terminate();
      if (timer) clearTimeout(timer);
      report({ type: 'result', calls: calls.map((c) => c.result()), latenessHistogram });
    }
  });
  exitWithParent(async () => {
    if (timer) clearTimeout(timer);
    for (const call of calls) call.ws.terminate();
  });
}

main();
