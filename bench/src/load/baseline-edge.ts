// The lean edges `invorto bench load` compares the edge against: the same per-frame work with none of the product
// around it. It reuses the edge's own Twilio parser and formatter; per inbound frame it parses, runs a dsp chain
// (decode, energy, VAD, endpoint, barge-in) and forwards the mu-law to the Deepgram emulator; per turn it asks the
// OpenAI emulator and sends each sentence to Deepgram TTS; the replies go out as 20 ms Twilio frames from one 20 ms
// clock, 60 ms ahead, with a mark after each (the edge's pacing). It has no turn arbitration, interruptions, metrics
// or timeline: what it lacks is per-turn and per-call work, so the comparison is kind to it.
// LEAN_STACK picks the stack: `ws-ts` (the baseline: the `ws` server and the plain-TypeScript dsp of dsp/src/reference)
// or `uws-wasm` (uWebSockets.js and the WASM chain, as in the edge). The two differ in nothing else, so their ratio is
// what uWebSockets.js and WASM buy on their own.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { InboundChain } from '@invorto/dsp/inbound-chain.ts';
import { ReferenceInboundChain } from '@invorto/dsp/reference/chain.ts';
import { twilioProtocol } from '@invorto/edge/transports/twilio.ts';
import type { OutboundFormatter } from '@invorto/edge/transports/types.ts';
import { serveUws, serveWs, type Carrier, type CarrierHandlers } from './baseline-servers.ts';
import { answerLoopStats } from './loop-monitor.ts';
import { BENCH_DEEPGRAM_KEY, BENCH_OPENAI_KEY, FRAME_BYTES, FRAME_MS, MULAW_SILENCE, benchAgent, exitWithParent, report } from './shared.ts';

type LeanStack = 'ws-ts' | 'uws-wasm';
const stack: LeanStack = process.env.LEAN_STACK === 'uws-wasm' ? 'uws-wasm' : 'ws-ts';

const LEAD_MS = 60;
const LISTEN_QUERY = 'model=nova-3&language=en-US&encoding=mulaw&sample_rate=8000&channels=1&interim_results=true&punctuate=true&smart_format=true&endpointing=300&utterance_end_ms=1000&vad_events=true';
const SPEAK_QUERY = 'model=aura-2-thalia-en&encoding=mulaw&sample_rate=8000';

const deepgramWs = process.env.DEEPGRAM_BASE_URL!.replace(/^http/, 'ws');
const openaiUrl = process.env.OPENAI_BASE_URL!;
const agent = benchAgent();
/** The greeting's audio, synthesized once (the edge keeps it in its phrase cache). */
let greetingAudio: Uint8Array[] | null = null;

/** The dsp over one carrier payload: every whole 20 ms frame in it through the chain (the results are not used). */
function dspChain(): (payload: Uint8Array) => void {
  const options = { codec: 'mulaw', sampleRateHz: 8000, silenceMs: agent.turn.silenceMs, eagerness: agent.turn.eagerness } as const;
  if (stack === 'uws-wasm') {
    const chain = new InboundChain(options);
    return (payload) => { chain.analyse(payload); };
  }
  const chain = new ReferenceInboundChain(options);
  return (payload) => {
    for (let offset = 0; offset + FRAME_BYTES <= payload.length; offset += FRAME_BYTES) chain.processFrame(payload.subarray(offset, offset + FRAME_BYTES));
  };
}

class BaselineCall {
  readonly #dsp = dspChain();
  readonly #formatter: OutboundFormatter;
  readonly #listen: WebSocket;
  readonly #speak: WebSocket;
  readonly #early: Uint8Array[] = [];
  readonly #queue: (Uint8Array | { mark: string })[] = [];
  #offset = 0;
  readonly #frame = new Uint8Array(FRAME_BYTES);
  #playStartMs = 0;
  #framesSent = 0;
  #playing = false;
  #marks = 0;
  #collecting: Uint8Array[] | null = null;
  #flushesPending = 0;
  #answered = false;
  #closed = false;

  constructor(readonly carrier: Carrier, start: Parameters<typeof twilioProtocol.outbound>[0]) {
    this.#formatter = twilioProtocol.outbound(start);
    const headers = { authorization: `Token ${BENCH_DEEPGRAM_KEY}` };
    this.#listen = new WebSocket(`${deepgramWs}/v1/listen?${LISTEN_QUERY}`, { headers, perMessageDeflate: false });
    this.#listen.on('open', () => { for (const frame of this.#early.splice(0)) this.#listen.send(frame); });
    this.#listen.on('message', (data: Buffer, isBinary) => { if (!isBinary) this.#onResults(JSON.parse(data.toString())); });
    this.#listen.on('error', () => undefined);
    this.#speak = new WebSocket(`${deepgramWs}/v1/speak?${SPEAK_QUERY}`, { headers, perMessageDeflate: false });
    this.#speak.on('message', (data: Buffer, isBinary) => this.#onSpeech(data, isBinary));
    this.#speak.on('error', () => undefined);
    if (greetingAudio) this.#play([...greetingAudio, { mark: `greeting-${++this.#marks}` }]);
    else this.#speak.once('open', () => { this.#collecting = []; this.#say(agent.greeting); });
  }

  media(payload: Uint8Array): void {
    this.#dsp(payload);
    if (this.#listen.readyState === WebSocket.OPEN) this.#listen.send(payload);
    else this.#early.push(payload);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#listen.readyState === WebSocket.OPEN) this.#listen.send(JSON.stringify({ type: 'CloseStream' }));
    setTimeout(() => this.#listen.terminate(), 500).unref();
    this.#speak.terminate();
    calls.delete(this);
  }

  #say(text: string): void {
    if (this.#speak.readyState !== WebSocket.OPEN) return;
    this.#speak.send(JSON.stringify({ type: 'Speak', text }));
    this.#speak.send(JSON.stringify({ type: 'Flush' }));
    this.#flushesPending++;
  }

  #onResults(message: { type?: string; is_final?: boolean; speech_final?: boolean; channel?: { alternatives?: { transcript?: string }[] } }): void {
    const text = message.channel?.alternatives?.[0]?.transcript ?? '';
    if (message.type !== 'Results' || !message.is_final || !message.speech_final || !text.trim()) return;
    void this.#answer(text).catch(() => undefined);
  }

  /** Streams the LLM's answer and hands each finished sentence to TTS. */
  async #answer(text: string): Promise<void> {
    const response = await fetch(`${openaiUrl}/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${BENCH_OPENAI_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'system', content: agent.systemPrompt }, { role: 'user', content: text }] }),
    });
    let pending = '';
    let buffered = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const line = buffered.slice(0, end).replace(/^data: /, '');
        buffered = buffered.slice(end + 2);
        if (line === '[DONE]') break;
        pending += (JSON.parse(line) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? '';
        const sentence = /^(.*?[.!?])\s+(.*)$/s.exec(pending);
        if (sentence) { this.#say(sentence[1]); pending = sentence[2]; }
      }
    }
    if (pending.trim()) this.#say(pending.trim());
    this.#answered = true;
    this.#markIfDone();
  }

  /** The mark goes after the reply's last audio: once the LLM is done and TTS has flushed every sentence. */
  #markIfDone(): void {
    if (!this.#answered || this.#flushesPending > 0) return;
    this.#answered = false;
    this.#play([{ mark: `reply-${++this.#marks}` }]);
  }

  #onSpeech(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      const audio = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
      if (this.#collecting) this.#collecting.push(audio);
      else this.#play([audio]);
      return;
    }
    const message = JSON.parse(data.toString()) as { type?: string };
    if (message.type !== 'Flushed') return;
    this.#flushesPending--;
    if (this.#collecting) {
      greetingAudio ??= this.#collecting;
      this.#play([...this.#collecting, { mark: `greeting-${++this.#marks}` }]);
      this.#collecting = null;
    } else {
      this.#markIfDone();
    }
  }

  #play(audio: (Uint8Array | { mark: string })[]): void {
    this.#queue.push(...audio);
    if (!this.#playing) {
      this.#playing = true;
      this.#playStartMs = performance.now();
      this.#framesSent = 0;
    }
  }

  /** Sends the frames that are due (60 ms ahead of real time), and a mark once the reply before it has gone out. */
  tick(nowMs: number): void {
    if (!this.#playing || this.#closed) return;
    const due = Math.floor((nowMs - this.#playStartMs + LEAD_MS) / FRAME_MS) - this.#framesSent;
    for (let i = 0; i < due && this.#queue.length; i++) {
      let filled = 0;
      while (filled < FRAME_BYTES && this.#queue.length) {
        const head = this.#queue[0];
        if (!(head instanceof Uint8Array)) {
          if (filled === 0) { this.#queue.shift(); this.carrier.send(this.#formatter.mark(head.mark)); continue; }
          break;
        }
        const take = Math.min(FRAME_BYTES - filled, head.length - this.#offset);
        this.#frame.set(head.subarray(this.#offset, this.#offset + take), filled);
        filled += take;
        this.#offset += take;
        if (this.#offset === head.length) { this.#queue.shift(); this.#offset = 0; }
      }
      if (filled === 0) break;
      this.#frame.fill(MULAW_SILENCE, filled);
      this.carrier.send(this.#formatter.audio(this.#frame));
      this.#framesSent++;
    }
    if (!this.#queue.length) this.#playing = false;
  }
}

const calls = new Set<BaselineCall>();

/** One carrier socket: Twilio messages in, a call once `start` arrives. */
function connect(carrier: Carrier): CarrierHandlers {
  let call: BaselineCall | null = null;
  return {
    message(data, isBinary) {
      let inbound;
      try {
        inbound = twilioProtocol.parse(data, isBinary, call !== null);
      } catch {
        carrier.close(1008, 'protocol error');
        return;
      }
      if (inbound.type === 'start') {
        call = new BaselineCall(carrier, inbound.start);
        calls.add(call);
      } else if (inbound.type === 'media') call?.media(inbound.payload);
      else if (inbound.type === 'stop') { call?.close(); carrier.close(1000, 'stopped'); }
    },
    close: () => call?.close(),
  };
}

async function main(): Promise<void> {
  const server = await (stack === 'uws-wasm' ? serveUws : serveWs)(connect);
  // One node-wide 20 ms clock, deadlines advancing by a frame so lateness does not accumulate (as the edge's Pacer).
  let nextTickMs = performance.now();
  let timer: NodeJS.Timeout;
  const tick = () => {
    const nowMs = performance.now();
    for (const call of calls) call.tick(nowMs);
    nextTickMs = Math.max(nextTickMs + FRAME_MS, nowMs - 1000);
    timer = setTimeout(tick, Math.max(0, nextTickMs - performance.now()));
  };
  timer = setTimeout(tick, FRAME_MS);
  answerLoopStats();
  exitWithParent(async () => {
    clearTimeout(timer);
    server.close();
  });
  report({ type: 'ready', port: server.port });
}

void main();
