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
  | { type: 'stop' };

/** A message the carrier sent that this transport cannot accept. The call is closed with `reason`. */
export class ProtocolError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The carrier-facing side of one call, as the runtime sees it. */
export interface CarrierOutput {
  readonly format: MediaFormat;
  /** One 20 ms frame in the call's media format. Returns false when the socket is backed up. */
  sendAudio(frame: Uint8Array): boolean;
  /** Ask the carrier to report back when everything sent before it has played. */
  sendMark(name: string): void;
  /** Drop whatever the carrier has buffered for playback (barge-in). */
  clear(): void;
  /** End the call from our side. */
  hangup(reason: string): void;
}

/** Wire codec of a media-stream protocol: parse one incoming message, format outgoing ones. */
export interface MediaStreamProtocol {
  readonly name: string;
  /** Throws ProtocolError on anything malformed. `started` tells whether `start` was already seen. */
  parse(message: ArrayBuffer, isBinary: boolean, started: boolean): InboundMessage;
  formatAudio(streamId: string, frame: Uint8Array): string | Uint8Array;
  formatMark(streamId: string, name: string): string | Uint8Array;
  formatClear(streamId: string): string | Uint8Array;
}
