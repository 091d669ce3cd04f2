// Deepgram Flux (`/v2/listen`) as the real service speaks it, after the SDK's ListenV2 types: binary audio in;
// Connected, then TurnInfo (StartOfTurn, Update, EagerEndOfTurn, TurnResumed, EndOfTurn) with one sequence_id
// across every message, and Error before closing on a message it cannot parse. Bad query parameters are refused at
// the upgrade with HTTP 400. Where turns start and end comes from the v1 emulator's energy detector run on 20 ms
// of audio at a time (so the client's chunk size does not move it); how long the "model" waits in silence before
// an eager or a final end of turn is scripted, and so is what the caller said.
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { decodeToPcm, rmsDbfs, type EmulatedEncoding } from './audio.ts';

export interface FluxTurnScript {
  /**
   * What the caller says in this turn. Several strings: the words before and after each TurnResumed (a pause long
   * enough for an eager end of turn, then more words); EndOfTurn carries them all.
   */
  transcript: string | string[];
  confidence?: number;
  /** This turn's silence before EndOfTurn, instead of the script's `endAfterMs` (a turn the model is unsure of). */
  endAfterMs?: number;
}

export interface FluxScript {
  /** The caller's turns, in order; turns past the last have no words. */
  turns: FluxTurnScript[];
  /** Energy above which 20 ms of audio counts as speech (as the v1 emulator's). */
  speechThresholdDbfs?: number;
  /** Audio between Update events of an open turn. */
  updateEveryMs?: number;
  /** Silence after speech before EagerEndOfTurn (sent only when the client set eager_eot_threshold). */
  eagerAfterMs?: number;
  /** Silence after speech before EndOfTurn, unless eot_timeout_ms is shorter (then the trigger is "timeout"). */
  endAfterMs?: number;
  /** Drop the connection (no close frame) after this many audio messages: a socket lost mid-call. */
  dropAfterMessages?: number;
  /** After this many audio messages, report an Error (INTERNAL_SERVER_ERROR) and close: the service failing. */
  fatalAfterMessages?: number;
}

export interface FluxRequestLog {
  query: Record<string, string>;
  /** Every language_hint parameter (`query` keeps only the last of a repeated one). */
  languageHints: string[];
  authorization: string;
  audioBytes: number;
  /** The size of every audio message, in order. */
  chunkBytes: number[];
  controls: string[];
}

/** Deepgram's documented defaults, and the timing the emulator uses when a script names none. */
export const FLUX_DEFAULTS = { eotThreshold: 0.7, eotTimeoutMs: 5000, updateEveryMs: 240, eagerAfterMs: 100, endAfterMs: 260 } as const;

const MODELS = new Set(['flux-general-en', 'flux-general-multi']);
const BYTES_PER_SAMPLE: Record<string, number> = { linear16: 2, mulaw: 1, alaw: 1 };
const SAMPLE_RATES = new Set([8000, 16000, 24000, 44100, 48000]);
const FRAME_S = 0.02;

/** Why the service would refuse this `/v2/listen` URL at the upgrade (HTTP 400), or null when it is acceptable. */
export function fluxQueryProblem(url: URL): string | null {
  const q = url.searchParams;
  const model = q.get('model');
  if (!model) return 'model is required';
  if (!MODELS.has(model)) return `model "${model}" is not a Flux model (flux-general-en, flux-general-multi)`;
  const encoding = q.get('encoding');
  // Containerized audio (no encoding) and the other raw encodings exist, but the emulator decodes only these.
  if (!encoding || !(encoding in BYTES_PER_SAMPLE)) return `encoding "${encoding ?? ''}" is not emulated (linear16, mulaw, alaw)`;
  const sampleRate = Number(q.get('sample_rate'));
  if (!SAMPLE_RATES.has(sampleRate)) return `sample_rate "${q.get('sample_rate') ?? ''}" is invalid for ${encoding}`;
  const number = (name: string, min: number, max: number, integer = false): string | null => {
    const raw = q.get(name);
    if (raw === null) return null;
    const value = Number(raw);
    return Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value)) ? null : `${name} "${raw}" must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`;
  };
  const range = number('eot_threshold', 0.5, 1) ?? number('eager_eot_threshold', 0.3, 0.9) ?? number('eot_timeout_ms', 500, 60_000, true);
  if (range) return range;
  const eot = Number(q.get('eot_threshold') ?? FLUX_DEFAULTS.eotThreshold);
  if (q.has('eager_eot_threshold') && Number(q.get('eager_eot_threshold')) > eot) return `eager_eot_threshold must not exceed eot_threshold (${eot})`;
  if (q.has('language_hint') && model !== 'flux-general-multi') return 'language_hint is only valid with flux-general-multi';
  return null;
}

/** The body Deepgram answers a refused request with. */
export const badRequestBody = (message: string) => JSON.stringify({ err_code: 'Bad Request', err_msg: message, request_id: randomUUID() });

type TurnEvent = 'StartOfTurn' | 'Update' | 'EagerEndOfTurn' | 'TurnResumed' | 'EndOfTurn';

export function handleFlux(ws: WebSocket, url: URL, authorization: string, script: FluxScript, log: FluxRequestLog[]): void {
  const query = Object.fromEntries(url.searchParams);
  const entry: FluxRequestLog = { query, languageHints: url.searchParams.getAll('language_hint'), authorization, audioBytes: 0, chunkBytes: [], controls: [] };
  log.push(entry);
  const encoding = query.encoding as EmulatedEncoding;
  const sampleRateHz = Number(query.sample_rate);
  const frameBytes = Math.round(FRAME_S * sampleRateHz) * BYTES_PER_SAMPLE[encoding];
  const threshold = script.speechThresholdDbfs ?? -40;
  const eotThreshold = Number(query.eot_threshold ?? FLUX_DEFAULTS.eotThreshold);
  const eagerThreshold = query.eager_eot_threshold === undefined ? null : Number(query.eager_eot_threshold);
  const eotTimeoutMs = Number(query.eot_timeout_ms ?? FLUX_DEFAULTS.eotTimeoutMs);
  const updateEveryS = (script.updateEveryMs ?? FLUX_DEFAULTS.updateEveryMs) / 1000;
  const requestId = randomUUID();
  let sequenceId = 0;
  const send = (message: object) => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ ...message, sequence_id: sequenceId++ })); };

  let audioS = 0;
  let pending: Buffer = Buffer.alloc(0); // audio not yet a whole 20 ms frame
  let messages = 0;
  let turnIndex = 0;
  let turnOpen = false;
  let eagerSent = false;
  let turnStartS = 0;
  let lastSpeechS = 0;
  let lastUpdateS = 0;
  let segment = 0; // which of the turn's transcript parts the caller is on (moves at each TurnResumed)
  let segmentStartS = 0;

  const turn = () => script.turns[turnIndex] ?? { transcript: '' };
  const segments = () => { const t = turn().transcript; return Array.isArray(t) ? t : [t]; };
  const wordsOf = (text: string) => text.split(/\s+/).filter(Boolean);
  /** The words heard so far: the finished parts, and of the current one a share that grows with its speech. */
  const heardText = (complete: boolean) => {
    const parts = segments();
    const done = parts.slice(0, segment).join(' ');
    const current = wordsOf(parts[segment] ?? '');
    const share = complete ? current.length : Math.max(1, Math.round(current.length * Math.min(0.9, (audioS - segmentStartS) / 2)));
    return [done, current.slice(0, share).join(' ')].filter(Boolean).join(' ');
  };
  const endSilenceMs = () => Math.min(turn().endAfterMs ?? script.endAfterMs ?? FLUX_DEFAULTS.endAfterMs, eotTimeoutMs);

  const turnInfo = (event: TurnEvent, transcript: string, confidence: number, extra: object = {}) => {
    const words = wordsOf(transcript);
    const span = Math.max(FRAME_S, lastSpeechS - turnStartS);
    const wordConfidence = turn().confidence ?? 0.95;
    send({
      type: 'TurnInfo', request_id: requestId, event, turn_index: turnIndex, audio_window_start: turnStartS, audio_window_end: audioS,
      transcript, end_of_turn_confidence: confidence,
      words: words.map((word, i) => ({ word, confidence: wordConfidence, start: turnStartS + (span * i) / words.length, end: turnStartS + (span * (i + 1)) / words.length })),
      ...extra,
    });
  };

  const endTurn = (trigger: string) => {
    turnInfo('EndOfTurn', segments().join(' ').trim(), Math.max(eotThreshold, 0.9), { trigger });
    turnOpen = false;
    eagerSent = false;
    turnIndex++;
  };

  const frame = (speech: boolean) => {
    audioS += FRAME_S;
    if (speech) {
      lastSpeechS = audioS;
      if (!turnOpen) {
        turnOpen = true;
        turnStartS = audioS - FRAME_S;
        segment = 0;
        segmentStartS = turnStartS;
        lastUpdateS = audioS;
        turnInfo('StartOfTurn', '', 0.01);
      } else if (eagerSent) {
        eagerSent = false;
        const heard = heardText(true); // the words before the pause: the new ones are not transcribed yet
        segment = Math.min(segment + 1, segments().length - 1);
        segmentStartS = audioS - FRAME_S;
        lastUpdateS = audioS;
        turnInfo('TurnResumed', heard, 0.05);
      }
    } else if (turnOpen) {
      const silenceMs = (audioS - lastSpeechS) * 1000;
      // Compared in whole frames: floating sums of 0.02 would otherwise land a frame late now and then.
      const reached = (ms: number) => Math.round(silenceMs / 20) >= Math.round(ms / 20);
      if (reached(endSilenceMs())) {
        endTurn(endSilenceMs() === eotTimeoutMs ? 'timeout' : 'model');
        return;
      }
      if (eagerThreshold !== null && !eagerSent && reached(script.eagerAfterMs ?? FLUX_DEFAULTS.eagerAfterMs)) {
        eagerSent = true;
        turnInfo('EagerEndOfTurn', heardText(true), eagerThreshold);
        return;
      }
    }
    // Flux transcribes as it hears: an open turn gets Updates while the caller speaks and while it waits.
    if (turnOpen && !eagerSent && audioS - lastUpdateS >= updateEveryS - 1e-9) {
      lastUpdateS = audioS;
      const silenceMs = (audioS - lastSpeechS) * 1000;
      turnInfo('Update', heardText(false), Math.min(eotThreshold - 0.01, 0.02 + (silenceMs / endSilenceMs()) * eotThreshold));
    }
  };

  send({ type: 'Connected', request_id: requestId });

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      let control: { type?: string };
      try { control = JSON.parse(data.toString()); } catch { control = {}; }
      entry.controls.push(String(control.type));
      if (control.type === 'CloseStream') setTimeout(() => ws.close(1000), 5);
      else if (control.type === 'Configure') send({ type: 'ConfigureSuccess', request_id: requestId, thresholds: {}, keyterms: [] });
      else {
        // ForceEndTurn needs server-side enablement, which the emulated deployment lacks, like most.
        send({ type: 'Error', code: 'UNPARSABLE_CLIENT_MESSAGE', description: `unexpected client message "${String(control.type)}"` });
        ws.close(1011, 'UNPARSABLE_CLIENT_MESSAGE');
      }
      return;
    }
    messages++;
    if (script.dropAfterMessages !== undefined && messages > script.dropAfterMessages) {
      ws.terminate();
      return;
    }
    if (script.fatalAfterMessages !== undefined && messages > script.fatalAfterMessages) {
      send({ type: 'Error', code: 'INTERNAL_SERVER_ERROR', description: 'emulated failure' });
      ws.close(1011, 'INTERNAL_SERVER_ERROR');
      return;
    }
    entry.audioBytes += data.length;
    entry.chunkBytes.push(data.length);
    pending = pending.length ? Buffer.concat([pending, data]) : data;
    let offset = 0;
    for (; offset + frameBytes <= pending.length; offset += frameBytes) {
      frame(rmsDbfs(decodeToPcm(encoding, pending.subarray(offset, offset + frameBytes))) > threshold);
    }
    pending = Buffer.from(pending.subarray(offset));
  });
}
