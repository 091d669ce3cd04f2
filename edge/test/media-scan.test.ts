// The media-frame fast path against the full JSON.parse path, message for message: for well-formed frames it must
// give the same payload and sequence, and for anything else (mutated, truncated, odd but valid JSON) the same message
// or the same error reason. It may decline; it may never disagree.
import { describe, expect, it } from 'vitest';
import { parseJsonMessage, parseJsonMessageFully, type JsonDialect } from '../src/transports/json-protocol.ts';
import { decodeBase64, scanMediaFrame } from '../src/transports/media-scan.ts';
import { exotelDialect } from '../src/transports/exotel.ts';
import { plivoDialect } from '../src/transports/plivo.ts';
import { telnyxDialect } from '../src/transports/telnyx.ts';
import { twilioDialect } from '../src/transports/twilio.ts';
import { ProtocolError } from '../src/transports/types.ts';
import { mulberry32 } from '@invorto/dsp/seeded-random.ts';

const bytesOf = (text: string) => new TextEncoder().encode(text);
const payload = Buffer.from(Uint8Array.from({ length: 160 }, (_, i) => (i * 37) & 0xff)).toString('base64');

/** Each carrier's media frame as it sends it (PROTOCOLS.md). */
const carriers: [string, JsonDialect, string][] = [
  ['twilio', twilioDialect, `{"event":"media","sequenceNumber":"4","media":{"track":"inbound","chunk":"3","timestamp":"60","payload":"${payload}"},"streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0"}`],
  ['plivo', plivoDialect, `{"event":"media","sequenceNumber":7,"streamId":"b0aa2d14","media":{"track":"inbound","timestamp":"1700000000000","chunk":6,"payload":"${payload}"}}`],
  ['exotel', exotelDialect, `{"event":"media","sequence_number":"9","stream_sid":"a3f1","media":{"chunk":"8","timestamp":"160","payload":"${payload}"}}`],
  ['telnyx', telnyxDialect, `{"event":"media","sequence_number":"5","media":{"track":"inbound","chunk":"2","timestamp":"40","payload":"${payload}"},"stream_id":"32de0dea"}`],
];

type Outcome = { ok: unknown } | { error: string };

function outcome(parse: () => unknown): Outcome {
  try {
    const message = parse() as { payload?: Uint8Array };
    return { ok: message && message.payload ? { ...message, payload: Array.from(message.payload) } : message };
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { error: error.reason };
  }
}

function agree(dialect: JsonDialect, bytes: Uint8Array): void {
  const raw = bytes.slice().buffer;
  const fast = outcome(() => parseJsonMessage(dialect, raw, false, true));
  const full = outcome(() => parseJsonMessageFully(dialect, raw, false, true));
  expect(fast, new TextDecoder().decode(bytes)).toEqual(full);
}


describe('media-frame fast path', () => {
  it.each(carriers)('takes a real %s media frame without the full parse, with the same payload and sequence', (_name, dialect, text) => {
    const scanned = scanMediaFrame(bytesOf(text), dialect.sequence);
    expect(scanned).not.toBeNull();
    expect(Buffer.from(scanned!.payload).equals(Buffer.from(payload, 'base64'))).toBe(true);
    const full = parseJsonMessageFully(dialect, bytesOf(text).buffer as ArrayBuffer, false, true);
    expect(full.type === 'media' && full.sequence).toBe(scanned!.sequence);
    agree(dialect, bytesOf(text));
  });

  it('agrees with JSON.parse on odd but valid JSON: order, spacing, escapes, unicode, duplicates, nesting, other tracks', () => {
    const media = `"media":{"track":"inbound","payload":"${payload}"}`;
    const variants = [
      `{${media},"event":"media","sequenceNumber":"12"}`,
      ` \n\t{ "event" : "media" , "sequenceNumber" : 12 , ${media} } \r\n`,
      `{"event":"media","sequenceNumber":"12","extra":{"a":[1,2.5e-3,-0,true,false,null,{"b":"\\u00e9\\n"}]},${media}}`,
      `{"event":"media","sequenceNumber":"12","note":"caf\u00e9",${media}}`,
      `{"event":"med\\u0069a","sequenceNumber":"12",${media}}`,
      `{"\\u0065vent":"dance","event":"media",${media}}`,
      `{"event":"media","event":"dance",${media}}`,
      `{"event":"dance","event":"media",${media}}`,
      `{"event":"media","media":{"payload":"AAAA"},${media}}`,
      `{"event":"media",${media},"media":{"payload":"AAAA"}}`,
      `{"event":"media",${media},"media":{"track":"outbound","payload":"AAAA"}}`,
      `{"event":"media","media":{"track":"outbound","payload":"${payload}"}}`,
      `{"event":"media","media":{"track":5,"payload":"${payload}"}}`,
      `{"event":"media","media":{"track":"inbound","payload":"${payload.replace('/', '\\/')}"}}`,
      `{"event":"media","sequenceNumber":" 12 ",${media}}`,
      `{"event":"media","sequenceNumber":"1e3",${media}}`,
      `{"event":"media","sequenceNumber":12.0,${media}}`,
      `{"event":"media","sequenceNumber":"",${media}}`,
      `{"event":"media","sequenceNumber":null,${media}}`,
      `{"event":"media","sequenceNumber":"9999999999999999",${media}}`,
      `{"event":"media","sequenceNumber":"0012",${media}}`,
      `{"event":"media","media":{"payload":""}}`,
      `{"event":"media","media":{"payload":"AA=="}}`,
      `{"event":"media","media":{"payload":"AAA="}}`,
      `{"event":"media","media":{"payload":"A==="}}`,
      `{"event":"media","media":{"payload":"AA=A"}}`,
      `{"event":"media","media":{"payload":"AAAAA"}}`,
      `{"event":"media","media":{"payload":"AB-_"}}`,
      `{"event":"media","media":{"payload":12}}`,
      `{"event":"media","media":{}}`,
      `{"event":"media","media":[1]}`,
      `{"event":"media","media":null}`,
      `{"event":"media"}`,
      `{"event":"media",${media}}x`,
      `{"event":"media",${media}}{}`,
      `{"event":"media",${media},}`,
      `{"event":"media" ${media}}`,
      `{"event":"media",${media}`,
      `{"event":"media","deep":${'['.repeat(40)}${']'.repeat(40)},${media}}`,
      `{"event":"media","bad":"\\x",${media}}`,
      `{"event":"media","bad":"tab\there",${media}}`,
      `{"event":"media","n":01,${media}}`,
      `{"event":"media","n":1.,${media}}`,
      `{"event":"media","n":-,${media}}`,
      `{"event":"media","t":tru,${media}}`,
      `[{"event":"media",${media}}]`,
      `"media"`,
      '',
    ];
    for (const [, dialect] of carriers) for (const text of variants) agree(dialect, bytesOf(text));
  });

  it('agrees with JSON.parse on 20,000 random mutations of real frames (bytes changed, cut, inserted)', () => {
    const next = mulberry32(20261201);
    const alphabet = bytesOf('{}[]":,\\ 0123456789abcdefuAZ+/=-.e\u00e9');
    let declined = 0;
    for (let n = 0; n < 20_000; n++) {
      const [, dialect, text] = carriers[n % carriers.length];
      const bytes = Array.from(bytesOf(text));
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * (bytes.length + 1));
        const what = next();
        const byte = next() < 0.1 ? Math.floor(next() * 256) : alphabet[Math.floor(next() * alphabet.length)];
        if (what < 0.4) bytes[Math.min(at, bytes.length - 1)] = byte;
        else if (what < 0.7) bytes.splice(at, 0, byte);
        else if (what < 0.9) bytes.splice(at, 1);
        else bytes.length = at;
      }
      const mutated = Uint8Array.from(bytes);
      if (!scanMediaFrame(mutated, dialect.sequence)) declined++;
      agree(dialect, mutated);
    }
    // Most mutations land in the base64 payload, which stays a well-formed frame: the fast path takes those.
    expect(declined).toBeGreaterThan(2_000);
    expect(declined).toBeLessThan(18_000);
  });

  it('decodes base64 exactly as Buffer does for every length and padding, and refuses what the strict check refuses', () => {
    const next = mulberry32(7);
    for (let length = 0; length < 200; length++) {
      const bytes = Uint8Array.from({ length }, () => Math.floor(next() * 256));
      const text = bytesOf(Buffer.from(bytes).toString('base64'));
      expect(Array.from(decodeBase64(text, 0, text.length)!)).toEqual(Array.from(bytes));
    }
    for (const bad of ['A', 'AB', 'ABC', 'A===', '=AAA', 'AA=A', 'AB-_', 'AB\nC', 'ABC\u00e9']) {
      const text = bytesOf(bad);
      expect(decodeBase64(text, 0, text.length), bad).toBeNull();
    }
  });
});
