// Where each transcript line starts in the recording, so the transcript can follow the audio.
//
// The recording's zero is the call's start: the edge opens the recorder in the same tick as it publishes
// `callStarted`, whose `tsMs` (wall clock, like every event's) is therefore second 0. Turn events carry
// performance.now() times of the edge process (not usable without a mapping), so the agent's lines are placed from
// the state changes instead: each agent line (an `agentSpeech` event, published when the reply finished playing or
// was cut) starts at the `SPEAKING` state change before it, which the edge sends with the reply's first audio frame —
// the moment the recorder places that frame on the right channel.
//
// The caller's lines have no start in the timeline (a final transcript comes after the words), and the left channel
// does not sit exactly on the event clock: the edge places the caller's audio contiguously as it arrives, so frames
// queued before the call existed (its start-up time) push the whole channel later. So a caller line starts where the
// caller's channel first has speech inside the caller's turn: after the agent's previous line ended (or where the
// caller barged in on it) and before the agent's next line began.

// The shapes of GET /v1/calls/{id} transcript lines and GET /v1/calls/{id}/timeline events (written out here, so this
// module and its tests need nothing of the API client).
export interface TranscriptLine { seq: number; at: string; speaker: string; text: string }
export interface TimelineEvent { seq: number; tsMs: number; at: string; kind: string; payload: Record<string, unknown> }

export interface LineStart { seq: number; speaker: string; startS: number }

/** The caller channel's level per frame, as levelsDb gives it. */
export interface CallerLevels { db: Float32Array; frameS: number }

/** Speech is this far above the channel's noise floor (its 20th percentile level), and never below -50 dBFS. */
const SPEECH_ABOVE_FLOOR_DB = 12;
const SPEECH_MIN_DB = -50;
/** An onset needs this many voiced frames among the next five (100 ms at 20 ms frames): a click is not speech. */
const ONSET_VOICED_OF_FIVE = 3;
/** A second caller line in one turn starts after a pause of 10 frames (200 ms). */
const FRESH_PAUSE_FRAMES = 10;

const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0) || 0);

export function lineStarts(lines: TranscriptLine[], events: TimelineEvent[], caller: CallerLevels | null, durationS: number): LineStart[] {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const t0 = (sorted.find((e) => e.kind === 'callStarted') ?? sorted[0])?.tsMs ?? 0;
  const rel = (tsMs: number) => (tsMs - t0) / 1000;
  // The agent: a line per agentSpeech, from the SPEAKING before it to the line's own event.
  const agent = new Map<number, { startS: number; endS: number; bargeInS: number | null }>();
  let speakingS: number | null = null;
  let lastEndS = 0;
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i]!;
    if (e.kind === 'stateChanged' && e.payload.to === 'SPEAKING') speakingS = rel(e.tsMs);
    else if (e.kind === 'agentSpeech') {
      let endS = rel(e.tsMs);
      // Cut by a barge-in: the caller's speech began at the onset (edge performance.now() times, as differences).
      const bargeIn = e.payload.interrupted ? sorted.slice(i + 1, i + 4).find((b) => b.kind === 'bargeIn') : undefined;
      const onsetS = bargeIn ? rel(bargeIn.tsMs) - Math.max(0, num(bargeIn.payload.committedMs) - num(bargeIn.payload.onsetMs)) / 1000 : null;
      if (bargeIn) endS = rel(bargeIn.tsMs) - Math.max(0, num(bargeIn.payload.committedMs) - num(bargeIn.payload.audioStoppedMs)) / 1000;
      agent.set(e.seq, { startS: speakingS ?? lastEndS, endS, bargeInS: onsetS });
      lastEndS = endS;
      speakingS = null;
    }
  }
  const speech = caller ? speechFinder(caller) : null;
  const ordered = [...lines].sort((a, b) => a.seq - b.seq);
  const out: LineStart[] = [];
  let turnFromS = 0; // where the caller's current turn may begin
  let previousCallerS: number | null = null;
  for (let i = 0; i < ordered.length; i++) {
    const line = ordered[i]!;
    const span = line.speaker === 'agent' ? agent.get(line.seq) : undefined;
    let startS: number;
    if (line.speaker === 'agent') {
      startS = span?.startS ?? turnFromS;
      turnFromS = span?.bargeInS ?? span?.endS ?? startS;
      previousCallerS = null;
    } else {
      const next = ordered.slice(i + 1).find((l) => l.speaker === 'agent');
      const untilS = (next && agent.get(next.seq)?.startS) ?? durationS;
      // A second line in the same turn starts at the caller's next burst of speech after the first one's start.
      const fromS = previousCallerS === null ? turnFromS : previousCallerS + 0.3;
      startS = speech?.(fromS, untilS, previousCallerS !== null) ?? fromS;
      previousCallerS = startS;
    }
    const floor = out.length ? out[out.length - 1]!.startS : 0;
    out.push({ seq: line.seq, speaker: line.speaker, startS: Math.min(Math.max(startS, floor, 0), durationS) });
  }
  return out;
}

/** The line being spoken at `timeS`: the last one started by then (null before the first). */
export function activeLine(starts: LineStart[], timeS: number): number | null {
  let active: number | null = null;
  for (const s of starts) {
    if (s.startS <= timeS + 0.05) active = s.seq;
    else break;
  }
  return active;
}

/**
 * A function that finds the first onset of speech on the caller's channel within [fromS, untilS): the window's own
 * start when the caller is already speaking there (unless `fresh`, which asks for a new burst), null when silent.
 */
function speechFinder({ db, frameS }: CallerLevels) {
  const levels = [...db].sort((a, b) => a - b);
  const floor = levels.length ? levels[Math.floor(levels.length * 0.2)]! : -100;
  const threshold = Math.max(SPEECH_MIN_DB, floor + SPEECH_ABOVE_FLOOR_DB);
  const voiced = (f: number) => (db[f] ?? -100) >= threshold;
  const speechAt = (f: number) => {
    let count = 0;
    for (let k = f; k < f + 5; k++) if (voiced(k)) count++;
    return voiced(f) && count >= ONSET_VOICED_OF_FIVE;
  };
  return (fromS: number, untilS: number, fresh: boolean): number | null => {
    const from = Math.max(0, Math.floor(fromS / frameS));
    const until = Math.min(db.length, Math.ceil(untilS / frameS));
    let quiet = 0; // unvoiced frames just before f
    for (let f = from; f < until; f++) {
      if (speechAt(f)) {
        if (f === from && !fresh) return fromS; // already speaking where the turn starts (a barge-in)
        // A new burst: after silence (for a second line in a turn, a pause of 200 ms, not a dip between words).
        if (f > from && quiet >= (fresh ? FRESH_PAUSE_FRAMES : 1)) return f * frameS;
      }
      quiet = voiced(f) ? 0 : quiet + 1;
    }
    return null;
  };
}
