// Deepgram live transcription (`/v1/listen`) as the real service speaks it: binary audio in; Results (interim and
// final, speech_final, from_finalize), SpeechStarted, UtteranceEnd and Metadata out; KeepAlive, Finalize and
// CloseStream honoured; closed after 10 s without audio or KeepAlive. Transcripts come from a script, in order,
// one per utterance the emulator's own energy detector finds in the audio.
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { decodeToPcm, rmsDbfs, type EmulatedEncoding } from './audio.ts';
import { latencyMs, type Latency } from './http-server.ts';

export interface ListenScript {
  /** Transcripts of the caller's utterances, in order; after the last one, utterances get "". */
  utterances: { transcript: string; confidence?: number; language?: string }[];
  /** Extra delay before each final result (provider latency). */
  finalDelayMs?: Latency;
  /** Energy above which a 20 ms chunk counts as speech. */
  speechThresholdDbfs?: number;
  /** Drop the connection (no close frame) after this many audio messages: a socket lost mid-stream. */
  dropAfterMessages?: number;
  /** How many connections of this script are dropped so (default 1: the reconnection then works). */
  dropConnections?: number;
  /** Once a connection was dropped, refuse every new one (HTTP 503): the engine is lost for good. */
  refuseAfterDrop?: boolean;
}

/** Scripts one of whose connections was dropped. */
const dropped = new WeakSet<ListenScript>();

/** Whether a new listen connection of this script is refused (see `refuseAfterDrop`). */
export function listenRefused(script: ListenScript): boolean {
  return Boolean(script.refuseAfterDrop) && dropped.has(script);
}

/** Connections opened per script, so that only the first `dropConnections` of them are dropped. */
const connectionsOpened = new WeakMap<ListenScript, number>();
/** After a dropped connection, the next one carries on with the utterance the dropped one was hearing. */
const resumeAt = new WeakMap<ListenScript, number>();

export interface ListenRequestLog {
  query: Record<string, string>;
  authorization: string;
  audioBytes: number;
  controls: string[];
}

const IDLE_CLOSE_MS = 10_000;

export function handleListen(ws: WebSocket, url: URL, authorization: string, script: ListenScript, log: ListenRequestLog[]): void {
  const query = Object.fromEntries(url.searchParams);
  const entry: ListenRequestLog = { query, authorization, audioBytes: 0, controls: [] };
  log.push(entry);
  const encoding = (query.encoding ?? 'linear16') as EmulatedEncoding;
  const sampleRateHz = Number(query.sample_rate ?? 16000);
  const bytesPerSample = encoding === 'linear16' ? 2 : 1;
  const interim = query.interim_results === 'true';
  const vadEvents = query.vad_events === 'true';
  const endpointingMs = query.endpointing === 'false' ? Infinity : Number(query.endpointing ?? 10);
  const utteranceEndMs = query.utterance_end_ms ? Number(query.utterance_end_ms) : null;
  const threshold = script.speechThresholdDbfs ?? -40;
  const requestId = randomUUID();
  const connectionIndex = connectionsOpened.get(script) ?? 0;
  connectionsOpened.set(script, connectionIndex + 1);
  const drops = script.dropAfterMessages !== undefined && connectionIndex < (script.dropConnections ?? 1);

  let audioS = 0; // seconds of audio received
  let inSpeech = false;
  let speechStartS = 0;
  let lastSpeechS = 0;
  let pendingFinal = false; // speech heard since the last final
  let lastInterimS = 0;
  let utteranceEndSent = true;
  let messages = 0;
  let idle = setTimeout(() => ws.close(1011, 'Deepgram did not receive audio data or a text message within the timeout window'), IDLE_CLOSE_MS);
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => ws.close(1011, 'Deepgram did not receive audio data or a text message within the timeout window'), IDLE_CLOSE_MS);
  };
  let next = resumeAt.get(script) ?? 0;
  resumeAt.delete(script);
  const current = () => script.utterances[next] ?? { transcript: '', confidence: 0 };

  const send = (message: object) => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message)); };
  const results = (transcript: string, confidence: number, isFinal: boolean, speechFinal: boolean, fromFinalize: boolean, spokenIn?: string) => {
    const words = transcript.split(/\s+/).filter(Boolean);
    const span = Math.max(0.001, lastSpeechS - speechStartS);
    // Multilingual mode (language=multi) tags each result and word with the language heard, as Nova-3 does.
    const language = query.language === 'multi' && transcript ? spokenIn : undefined;
    const tagged = language ? { language } : {};
    send({
      type: 'Results', channel_index: [0, 1], duration: span, start: speechStartS, is_final: isFinal, speech_final: speechFinal,
      ...(fromFinalize ? { from_finalize: true } : {}),
      channel: { alternatives: [{
        transcript, confidence, ...(language ? { languages: [language] } : {}),
        words: words.map((word, i) => ({ word: word.toLowerCase().replace(/[^\w']/g, ''), punctuated_word: word, start: speechStartS + (span * i) / words.length, end: speechStartS + (span * (i + 1)) / words.length, confidence, ...tagged })),
      }] },
      metadata: { request_id: requestId, model_info: { name: query.model ?? 'nova-3', version: 'emulated', arch: 'emulated' }, model_uuid: randomUUID() },
    });
  };
  const emitFinal = (speechFinal: boolean, fromFinalize: boolean) => {
    if (!pendingFinal) return;
    pendingFinal = false;
    const { transcript, confidence, language } = current();
    next++;
    const delay = latencyMs(script.finalDelayMs);
    setTimeout(() => {
      results(transcript, confidence ?? 0.95, true, speechFinal, fromFinalize, language);
      utteranceEndSent = false;
    }, delay);
  };

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    touch();
    if (!isBinary) {
      let control: { type?: string };
      try { control = JSON.parse(data.toString()); } catch { ws.close(1008, 'invalid JSON control message'); return; }
      entry.controls.push(String(control.type));
      if (control.type === 'Finalize') emitFinal(false, true);
      else if (control.type === 'CloseStream') {
        emitFinal(false, true);
        setTimeout(() => {
          send({ type: 'Metadata', transaction_key: 'deprecated', request_id: requestId, sha256: '', created: new Date().toISOString(), duration: audioS, channels: 1 });
          ws.close(1000);
        }, latencyMs(script.finalDelayMs) + 5);
      }
      return;
    }
    messages++;
    if (drops && messages > script.dropAfterMessages!) {
      resumeAt.set(script, next);
      dropped.add(script);
      ws.terminate();
      return;
    }
    entry.audioBytes += data.length;
    const pcm = decodeToPcm(encoding, data);
    const chunkS = data.length / bytesPerSample / sampleRateHz;
    const speech = rmsDbfs(pcm) > threshold;
    audioS += chunkS;
    if (speech) {
      if (!inSpeech && !pendingFinal) { speechStartS = audioS - chunkS; if (vadEvents) send({ type: 'SpeechStarted', channel: [0], timestamp: speechStartS }); }
      inSpeech = true;
      pendingFinal = true;
      lastSpeechS = audioS;
      if (interim && audioS - lastInterimS >= 0.3) {
        lastInterimS = audioS;
        const words = current().transcript.split(/\s+/).filter(Boolean);
        const heard = Math.max(1, Math.round(words.length * Math.min(0.9, (audioS - speechStartS) / 2)));
        results(words.slice(0, heard).join(' '), 0.6, false, false, false, current().language);
      }
    } else {
      inSpeech = false;
      if (pendingFinal && (audioS - lastSpeechS) * 1000 >= endpointingMs) emitFinal(true, false);
      if (!utteranceEndSent && utteranceEndMs !== null && (audioS - lastSpeechS) * 1000 >= utteranceEndMs) {
        utteranceEndSent = true;
        send({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: lastSpeechS });
      }
    }
  });
  ws.on('close', () => clearTimeout(idle));
}
