// Deepgram Aura TTS as the real service speaks it: the `/v1/speak` WebSocket (Speak, Flush, Clear, Close in;
// binary audio, Metadata, Flushed, Cleared, Warning out) and the REST `POST /v1/speak`. Audio is synthetic but
// text-dependent, in the requested encoding and rate, chunked like the service's.
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { encodeFromPcm, synthesizeSpeech, type EmulatedEncoding } from './audio.ts';
import { latencyMs, sleep, type Latency } from './http-server.ts';

export interface SpeakScript {
  /** Delay between a Flush and the first audio chunk. */
  firstByteMs?: Latency;
  /** Audio chunk length sent per binary message. */
  chunkMs?: number;
  /** Refuse the streaming socket (HTTP 503), as during a partial outage: REST still answers. */
  refuseWebSocket?: boolean;
  /** Drop the streaming socket (no close frame) after this many audio messages in all: a voice lost mid-sentence. */
  dropAfterAudioMessages?: number;
  /** Once a socket was dropped, refuse every new one and every REST request (HTTP 503): the voice is lost for good. */
  refuseAfterDrop?: boolean;
}

/** Audio messages sent per script, and scripts one of whose sockets was dropped. */
const audioSent = new WeakMap<SpeakScript, number>();
const dropped = new WeakSet<SpeakScript>();

/** Whether a new speak socket or REST request of this script is refused (see `refuseAfterDrop`). */
export function speakRefused(script: SpeakScript): boolean {
  return Boolean(script.refuseAfterDrop) && dropped.has(script);
}

export interface SpeakRequestLog {
  query: Record<string, string>;
  authorization: string;
  texts: string[];
  controls: string[];
}

export function speakFormat(url: URL): { encoding: EmulatedEncoding; sampleRateHz: number } {
  const encoding = (url.searchParams.get('encoding') ?? 'linear16') as EmulatedEncoding;
  return { encoding, sampleRateHz: Number(url.searchParams.get('sample_rate') ?? 24000) };
}

export function synthesize(text: string, url: URL): Uint8Array {
  const { encoding, sampleRateHz } = speakFormat(url);
  return encodeFromPcm(encoding, synthesizeSpeech(text, sampleRateHz));
}

export function handleSpeak(ws: WebSocket, url: URL, authorization: string, script: SpeakScript, log: SpeakRequestLog[]): void {
  const entry: SpeakRequestLog = { query: Object.fromEntries(url.searchParams), authorization, texts: [], controls: [] };
  log.push(entry);
  const { encoding, sampleRateHz } = speakFormat(url);
  const bytesPerMs = (sampleRateHz / 1000) * (encoding === 'linear16' ? 2 : 1);
  const requestId = randomUUID();
  let pending = '';
  let sequence = 0;
  let epoch = 0; // bumped by Clear: audio of earlier flushes stops
  let work: Promise<void> = Promise.resolve();
  const send = (message: object | Uint8Array) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(message instanceof Uint8Array ? message : JSON.stringify(message));
  };
  send({ type: 'Metadata', request_id: requestId, model_name: url.searchParams.get('model') ?? 'aura-2-thalia-en', model_version: 'emulated', model_uuid: randomUUID() });

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) { send({ type: 'Warning', description: 'binary messages are not accepted', code: 'INVALID_MESSAGE' }); return; }
    let message: { type?: string; text?: string };
    try { message = JSON.parse(data.toString()); } catch { send({ type: 'Warning', description: 'invalid JSON', code: 'INVALID_JSON' }); return; }
    entry.controls.push(String(message.type));
    if (message.type === 'Speak') {
      entry.texts.push(String(message.text ?? ''));
      pending += String(message.text ?? '');
    } else if (message.type === 'Flush') {
      const text = pending;
      pending = '';
      const id = sequence++;
      const started = epoch;
      work = work.then(async () => {
        if (started !== epoch) return;
        await sleep(latencyMs(script.firstByteMs));
        const audio = synthesize(text, url);
        const chunkBytes = Math.max(1, Math.round((script.chunkMs ?? 100) * bytesPerMs));
        for (let offset = 0; offset < audio.length && started === epoch; offset += chunkBytes) {
          if (script.dropAfterAudioMessages !== undefined && !dropped.has(script)) {
            const sent = (audioSent.get(script) ?? 0) + 1;
            audioSent.set(script, sent);
            if (sent > script.dropAfterAudioMessages) {
              dropped.add(script);
              epoch++;
              ws.terminate();
              return;
            }
          }
          send(audio.subarray(offset, offset + chunkBytes));
          await sleep(1);
        }
        if (started === epoch) send({ type: 'Flushed', sequence_id: id });
      });
    } else if (message.type === 'Clear') {
      pending = '';
      epoch++;
      send({ type: 'Cleared', sequence_id: sequence });
    } else if (message.type === 'Close') {
      void work.then(() => ws.close(1000));
    } else {
      send({ type: 'Warning', description: `unknown message type ${JSON.stringify(message.type)}`, code: 'UNKNOWN_MESSAGE' });
    }
  });
}
