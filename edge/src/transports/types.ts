// What every carrier transport turns its wire messages into, and what the runtime asks it to send.

export type MediaEncoding = 'mulaw' | 'alaw' | 'l16';

export interface MediaFormat {
  encoding: MediaEncoding;
  sampleRateHz: number;
}

export interface CallStart {
  carrierCallId: string;
  streamId: string;
  /** The carrier's custom parameters (Twilio `customParameters`): agentId, tenantId, from, to… */
  parameters: Record<string, string>;
  format: MediaFormat;
}

export type InboundMessage =
  | { type: 'connected' }
  | { type: 'start'; start: CallStart }
  | { type: 'media'; payload: Uint8Array; sequence: number | null }
  | { type: 'mark'; name: string }
  | { type: 'dtmf'; digit: string }
  | { type: 'stop' }
  /** A message the protocol defines that needs no action (an acknowledgement of our clear, say). */
  | { type: 'ignore' };

/** A message the carrier sent that this transport cannot accept. The call is closed with `reason`. */
export class ProtocolError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The carrier-facing side of one call, as the runtime sees it. */
export interface CarrierOutput {
  readonly format: MediaFormat;
  /** Bytes of audio per outbound message: 20 ms unless the carrier wants bigger chunks. */
  readonly chunkBytes: number;
  /** False while the socket's unsent data is over its bound (the outbound queue holds the audio meanwhile). */
  writable(): boolean;
  /** One chunk in the call's media format. Returns false when the socket is backed up. */
  sendAudio(frame: Uint8Array): boolean;
  /** Ask the carrier to report back when everything sent before it has played. */
  sendMark(name: string): void;
  /** Drop whatever the carrier has buffered for playback (barge-in). */
  clear(): void;
  /** End the call from our side. */
  hangup(reason: string): void;
  /** Hand the caller to another party (SIP REFER). Absent where the carrier has no in-call transfer. */
  transfer?(target: string): void;
}

/** How one call's outbound messages look on the wire (and how its inbound audio becomes the dsp's). */
export interface OutboundFormatter {
  /** Bytes of audio per outbound message. */
  readonly chunkBytes: number;
  /** Converts an inbound payload to the dsp's layout (e.g. big-endian L16 to little-endian), when it differs. */
  readonly inboundAudio?: (payload: Uint8Array) => Uint8Array;
  audio(chunk: Uint8Array): string | Uint8Array;
  mark(name: string): string | Uint8Array;
  clear(): string | Uint8Array;
}

/** One incoming message as its socket gives it: uWebSockets.js an ArrayBuffer, the `ws` package a Buffer. */
export type MessageBytes = ArrayBuffer | Uint8Array;

/** The message's bytes as a view, without a copy. */
export const bytesOf = (message: MessageBytes): Uint8Array => (message instanceof Uint8Array ? message : new Uint8Array(message));

/** Wire codec of a media-stream protocol: parse one incoming message, format a call's outgoing ones. */
export interface MediaStreamProtocol {
  readonly name: string;
  /** The carrier may deliver media out of order: the edge restores order by `sequence`. */
  readonly reordersMedia?: boolean;
  /** Throws ProtocolError on anything malformed. `started` tells whether `start` was already seen. */
  parse(message: MessageBytes, isBinary: boolean, started: boolean): InboundMessage;
  outbound(start: CallStart): OutboundFormatter;
}

/** Bytes of 20 ms of audio in a format. */
export function twentyMsBytes(format: MediaFormat): number {
  return (format.sampleRateHz / 50) * (format.encoding === 'l16' ? 2 : 1);
}
