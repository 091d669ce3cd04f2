// The fast path for the one message a JSON carrier sends fifty times a second: a media frame. It walks the raw bytes
// once, checking that they are well-formed JSON, and notes where the few fields the edge needs are, so a frame costs
// no UTF-8 decode, no JSON.parse object tree and no base64 string. Anything it is not sure of (another event,
// escapes in a field it reads, non-ASCII bytes, an odd sequence number, bad base64) it declines, and the message
// takes the full JSON.parse path, which gives the same answer and the same error reason: the fast path never decides
// that a message is malformed.

/** Where a media frame's sequence number is: a top-level field (Twilio, Plivo, Exotel) or one inside "media". */
export interface SequenceField {
  scope: 'message' | 'media';
  key: string;
  /** Without it the message is an error (the full path says which). */
  required: boolean;
}

export interface ScannedMedia {
  type: 'media';
  payload: Uint8Array;
  sequence: number | null;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_DEPTH = 32;
const DECLINE = -1;

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const EVENT = ascii('event');
const MEDIA = ascii('media');
const TRACK = ascii('track');
const PAYLOAD = ascii('payload');
const INBOUND = ascii('inbound');

/** Base64 alphabet value per byte; 255 for bytes outside it. */
const BASE64_VALUES = new Uint8Array(256).fill(255);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) BASE64_VALUES[c.charCodeAt(0)] = i;

/**
 * One scan of one message. Spans are [start, end) byte offsets of string contents (without quotes), or -1. A field
 * seen twice keeps its last value, as JSON.parse does.
 */
class Scan {
  event = -1; eventEnd = -1;
  track = -1; trackEnd = -1;
  payload = -1; payloadEnd = -1;
  sequence = -1; sequenceEnd = -1;
  /** Whether a top-level "media" holds an object (when repeated, the last one's fields count). */
  mediaObject = false;
  /** Set by #string: whether the string just scanned had an escape. */
  escaped = false;

  constructor(readonly b: Uint8Array, readonly sequenceField: SequenceField, readonly sequenceKey: Uint8Array) {}

  /** Returns the offset after the message's single top-level object, or DECLINE. */
  message(): number {
    const i = this.#ws(0);
    if (this.b[i] !== 0x7b) return DECLINE;
    const end = this.#object(i, 1);
    return end === DECLINE || this.#ws(end) !== this.b.length ? DECLINE : end;
  }

  #ws(i: number): number {
    const b = this.b;
    while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
    return i;
  }

  /** b[i] is '{'. depth 1 is the message, depth 2 an object directly in it. */
  #object(i: number, depth: number, isMedia = false): number {
    const b = this.b;
    if (isMedia) {
      // A repeated "media" replaces the earlier one: forget what it said.
      this.track = this.payload = -1;
      if (this.sequenceField.scope === 'media') this.sequence = -1;
    }
    i = this.#ws(i + 1);
    if (b[i] === 0x7d) return i + 1;
    for (;;) {
      if (b[i] !== QUOTE) return DECLINE;
      const keyStart = i + 1;
      const keyEnd = this.#string(i);
      if (keyEnd === DECLINE || this.escaped) return DECLINE; // an escaped key could spell a field we read
      i = this.#ws(keyEnd);
      if (b[i] !== 0x3a) return DECLINE;
      i = this.#ws(i + 1);
      const valueStart = i;
      const isMediaKey = depth === 1 && spanIs(b, keyStart, keyEnd - 1, MEDIA);
      const media = isMediaKey && b[i] === 0x7b;
      if (isMediaKey) this.mediaObject = media;
      i = media ? this.#object(i, 2, true) : this.#value(i, depth + 1);
      if (i === DECLINE) return DECLINE;
      if (!media && (depth === 1 || isMedia)) this.#note(keyStart, keyEnd - 1, valueStart, i, depth === 1);
      i = this.#ws(i);
      if (b[i] === 0x2c) i = this.#ws(i + 1);
      else if (b[i] === 0x7d) return i + 1;
      else return DECLINE;
    }
  }

  /**
   * Remembers a field the edge reads, top-level or in "media": the span of a string's contents or of another value's
   * text; -2 marks a field present in a form the fast path does not take. (No tuples or closures: this runs for
   * every field of every frame.)
   */
  #note(keyStart: number, keyEnd: number, start: number, end: number, topLevel: boolean): void {
    const b = this.b;
    const string = b[start] === QUOTE;
    const from = string ? start + 1 : start;
    const to = string ? end - 1 : end;
    const plain = string && !this.escaped;
    if (topLevel && spanIs(b, keyStart, keyEnd, EVENT)) {
      this.event = plain ? from : -2;
      this.eventEnd = to;
    } else if (!topLevel && spanIs(b, keyStart, keyEnd, TRACK)) {
      this.track = plain ? from : -2;
      this.trackEnd = to;
    } else if (!topLevel && spanIs(b, keyStart, keyEnd, PAYLOAD)) {
      this.payload = plain ? from : -2;
      this.payloadEnd = to;
    }
    if (topLevel === (this.sequenceField.scope === 'message') && spanIs(b, keyStart, keyEnd, this.sequenceKey)) {
      this.sequence = string && this.escaped ? -2 : from;
      this.sequenceEnd = to;
    }
  }

  #value(i: number, depth: number): number {
    const b = this.b;
    const c = b[i];
    if (c === QUOTE) return this.#string(i);
    if (depth > MAX_DEPTH) return DECLINE;
    if (c === 0x7b) return this.#object(i, depth);
    if (c === 0x5b) return this.#array(i, depth);
    if (c === 0x74) return this.#literal(i, 'true');
    if (c === 0x66) return this.#literal(i, 'false');
    if (c === 0x6e) return this.#literal(i, 'null');
    return this.#number(i);
  }

  #array(i: number, depth: number): number {
    const b = this.b;
    i = this.#ws(i + 1);
    if (b[i] === 0x5d) return i + 1;
    for (;;) {
      i = this.#value(i, depth + 1);
      if (i === DECLINE) return DECLINE;
      i = this.#ws(i);
      if (b[i] === 0x2c) i = this.#ws(i + 1);
      else if (b[i] === 0x5d) return i + 1;
      else return DECLINE;
    }
  }

  /** b[i] is '"'. Returns the offset after the closing quote. Non-ASCII bytes decline (UTF-8 is JSON.parse's job). */
  #string(i: number): number {
    const b = this.b;
    this.escaped = false;
    for (i++; i < b.length; i++) {
      const c = b[i];
      if (c === QUOTE) return i + 1;
      if (c < 0x20 || c >= 0x80) return DECLINE;
      if (c === BACKSLASH) {
        this.escaped = true;
        const e = b[++i];
        if (e === 0x75) {
          for (let k = 1; k <= 4; k++) if (!isHex(b[i + k])) return DECLINE;
          i += 4;
        } else if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) {
          return DECLINE;
        }
      }
    }
    return DECLINE;
  }

  #number(i: number): number {
    const b = this.b;
    if (b[i] === 0x2d) i++;
    if (b[i] === 0x30) i++;
    else if (isDigit(b[i])) while (isDigit(b[i])) i++;
    else return DECLINE;
    if (b[i] === 0x2e) {
      if (!isDigit(b[++i])) return DECLINE;
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!isDigit(b[i])) return DECLINE;
      while (isDigit(b[i])) i++;
    }
    return i;
  }

  #literal(i: number, word: string): number {
    for (let k = 0; k < word.length; k++) if (this.b[i + k] !== word.charCodeAt(k)) return DECLINE;
    return i + word.length;
  }
}

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
const isHex = (c: number | undefined) => c !== undefined && (isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46));

const sequenceKeys = new Map<string, Uint8Array>();

/**
 * The payload and sequence number of a well-formed inbound media frame, or null when the message should take the full
 * path (not a media frame, another track, a form of a field this scan does not take, or anything malformed).
 */
export function scanMediaFrame(bytes: Uint8Array, sequenceField: SequenceField): ScannedMedia | null {
  let key = sequenceKeys.get(sequenceField.key);
  if (!key) sequenceKeys.set(sequenceField.key, key = ascii(sequenceField.key));
  const scan = new Scan(bytes, sequenceField, key);
  if (scan.message() === DECLINE || !scan.mediaObject || scan.event < 0 || !spanIs(bytes, scan.event, scan.eventEnd, MEDIA)) return null;
  if (scan.track === -2 || (scan.track >= 0 && !spanIs(bytes, scan.track, scan.trackEnd, INBOUND))) return null;
  if (scan.payload < 0) return null;
  let sequence: number | null = null;
  if (scan.sequence === -1) {
    if (sequenceField.required) return null;
  } else {
    sequence = digits(bytes, scan.sequence, scan.sequenceEnd);
    if (sequence === null) return null;
  }
  const payload = decodeBase64(bytes, scan.payload, scan.payloadEnd);
  return payload ? { type: 'media', payload, sequence } : null;
}

function spanIs(b: Uint8Array, start: number, end: number, word: Uint8Array): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (b[start + k] !== word[k]) return false;
  return true;
}

/** A plain run of 1-15 digits (a JSON integer or a string of one); anything else is left to `numeric`. */
function digits(b: Uint8Array, start: number, end: number): number | null {
  if (start < 0 || end - start < 1 || end - start > 15) return null;
  let n = 0;
  for (let i = start; i < end; i++) {
    if (!isDigit(b[i])) return null;
    n = n * 10 + (b[i] - 0x30);
  }
  return n;
}

/** Strict base64 (length a multiple of 4, padding only at the end) straight from bytes; null when not valid. */
export function decodeBase64(b: Uint8Array, start: number, end: number): Uint8Array | null {
  const length = end - start;
  if (length % 4 !== 0) return null;
  const padding = length === 0 ? 0 : b[end - 1] === 0x3d ? (b[end - 2] === 0x3d ? 2 : 1) : 0;
  const out = Buffer.allocUnsafe((length / 4) * 3 - padding);
  let o = 0;
  const whole = end - (padding ? 4 : 0);
  for (let i = start; i < whole; i += 4) {
    const a = BASE64_VALUES[b[i]], c = BASE64_VALUES[b[i + 1]], d = BASE64_VALUES[b[i + 2]], e = BASE64_VALUES[b[i + 3]];
    if ((a | c | d | e) === 255) return null;
    const n = (a << 18) | (c << 12) | (d << 6) | e;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  if (padding) {
    const a = BASE64_VALUES[b[whole]], c = BASE64_VALUES[b[whole + 1]];
    const d = padding === 1 ? BASE64_VALUES[b[whole + 2]] : 0;
    if ((a | c | d) === 255) return null;
    const n = (a << 18) | (c << 12) | (d << 6);
    out[o++] = n >> 16;
    if (padding === 1) out[o++] = (n >> 8) & 0xff;
  }
  return out;
}
