// One SIP call's RTP: packets in through the dsp jitter buffer and loss concealment, played out every 20 ms as
// PCM16 into the call; the agent's PCM16 out as G.711 RTP. Symmetric RTP: we send to wherever the caller's packets
// come from (NAT), starting from the SDP address. RFC 4733 telephone-events become DTMF digits. RTCP sender
// reports go out every 5 s on the next port.
import type { Socket, RemoteInfo } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { encodeAlaw, encodeMulaw } from '@invorto/dsp/g711.ts';
import { JitterBuffer } from '@invorto/dsp/jitter-buffer.ts';
import { buildRtp, parseRtp, SequenceExtender } from '@invorto/dsp/rtp.ts';
import { buildSenderReport, parseReport } from './rtcp.ts';

const DTMF_DIGITS = '0123456789*#ABCD';

export interface RtpMediaOptions {
  socket: Socket;
  /** RTCP, on the RTP port + 1. */
  rtcpSocket: Socket;
  payloadType: number; // 0 PCMU, 8 PCMA
  telephoneEvent: number | null;
  remote: { address: string; port: number };
  /** 20 ms of little-endian PCM16 at 8 kHz, played out in order. */
  onAudio(pcm: Uint8Array): void;
  onDtmf(digit: string): void;
  /** Each 20 ms played: the packet's buffering delay, or concealed (lost or late, filled in by PLC). */
  onPlayout?(frame: { delayMs: number; concealed: boolean }): void;
  /** A packet the jitter buffer refused: too late to play, or a duplicate. */
  onDropped?(reason: 'late' | 'duplicate'): void;
}

export class RtpMedia {
  readonly #options: RtpMediaOptions;
  readonly #jitter: JitterBuffer;
  #remote: { address: string; port: number };
  #latched = false;
  #seq = randomInt(0, 0x10000);
  #timestamp = randomInt(0, 0x100000000);
  readonly #ssrc = randomInt(1, 0x100000000);
  #lastDtmfTimestamp = -1;
  /** Datagrams that were not RTP we could use. */
  rejected = 0;
  packetsIn = 0;
  packetsOut = 0;
  octetsOut = 0;
  /** What the peer's last RTCP report said of the audio we send. */
  peerReport: { fractionLost: number; cumulativeLost: number } | null = null;
  readonly #reception = { ssrc: 0, firstSeq: -1, highestSeq: 0, received: 0, jitter: 0, lastTransit: NaN };
  #lastReported = { expected: 0, received: 0 };
  readonly #sequence = new SequenceExtender();
  #ticks = 0;

  constructor(options: RtpMediaOptions) {
    this.#options = options;
    this.#remote = options.remote;
    this.#jitter = new JitterBuffer({ codec: options.payloadType === 8 ? 'alaw' : 'mulaw', sampleRateHz: 8000 });
    options.socket.on('message', (datagram: Buffer, from: RemoteInfo) => {
      try {
        this.#onPacket(datagram, from);
      } catch {
        this.rejected++; // a packet that breaks anything is dropped; the call goes on
      }
    });
    // A socket error (an unreachable peer, say) must not become an uncaught exception: the call goes on.
    options.socket.on('error', () => { this.rejected++; });
    options.rtcpSocket.on('error', () => { this.rejected++; });
    options.rtcpSocket.on('message', (datagram: Buffer) => {
      const report = parseReport(datagram);
      if (report) this.peerReport = { fractionLost: report.fractionLost, cumulativeLost: report.cumulativeLost };
    });
  }

  /** One 20 ms playout step, driven by the SIP server's single clock for all calls; RTCP every 250th (5 s). */
  tick(): void {
    this.#playout();
    if (++this.#ticks % 250 === 0) this.#sendReport();
  }

  #sendReport(): void {
    const r = this.#reception;
    if (this.packetsOut === 0 && r.received === 0) return;
    const expected = r.firstSeq < 0 ? 0 : r.highestSeq - r.firstSeq + 1;
    const stats = { ssrc: r.ssrc, highestSeq: r.highestSeq, expected, received: r.received, jitter: r.jitter };
    const packet = buildSenderReport(this.#ssrc, this.packetsOut, this.octetsOut, this.#timestamp, stats, this.#lastReported);
    this.#lastReported = { expected, received: r.received };
    this.#options.rtcpSocket.send(packet, this.#remote.port + 1, this.#remote.address, (error) => { if (error) this.rejected++; });
  }

  /** RFC 3550 A.8: interarrival jitter, in timestamp units, from arrival time and RTP timestamp. */
  #account(sequence: number, timestamp: number, ssrc: number): void {
    const r = this.#reception;
    const extended = this.#sequence.extend(sequence);
    if (r.firstSeq < 0) r.firstSeq = extended;
    r.ssrc = ssrc;
    r.received++;
    if (extended > r.highestSeq) r.highestSeq = extended;
    const transit = performance.now() * 8 - timestamp;
    if (!Number.isNaN(r.lastTransit)) r.jitter += (Math.abs(transit - r.lastTransit) - r.jitter) / 16;
    r.lastTransit = transit;
  }

  #onPacket(datagram: Buffer, from: RemoteInfo): void {
    const packet = parseRtp(datagram); // an RtpError counts as rejected in the handler
    if (!this.#latched) {
      this.#remote = { address: from.address, port: from.port };
      this.#latched = true;
    }
    this.packetsIn++;
    if (packet.payloadType === this.#options.payloadType) {
      this.#account(packet.sequence, packet.timestamp, packet.ssrc);
      const pushed = this.#jitter.push({ seq: packet.sequence, timestamp: packet.timestamp, ssrc: packet.ssrc, payload: packet.payload, arrivalMs: performance.now() });
      if (pushed === 'late' || pushed === 'duplicate') this.#options.onDropped?.(pushed);
    } else if (packet.payloadType === this.#options.telephoneEvent && packet.payload.length >= 4) {
      // RFC 4733: the end bit marks the event's last packets (sent three times): report a digit once per event.
      const ended = (packet.payload[1] & 0x80) !== 0;
      if (ended && packet.timestamp !== this.#lastDtmfTimestamp) {
        this.#lastDtmfTimestamp = packet.timestamp;
        const digit = DTMF_DIGITS[packet.payload[0]];
        if (digit) this.#options.onDtmf(digit);
      }
    } else {
      this.rejected++;
    }
  }

  #playout(): void {
    const frame = this.#jitter.pull(performance.now());
    if (frame && frame.kind !== 'stretched') this.#options.onPlayout?.({ delayMs: frame.delayMs, concealed: frame.concealed });
    if (frame) this.#options.onAudio(new Uint8Array(frame.pcm.buffer.slice(frame.pcm.byteOffset, frame.pcm.byteOffset + frame.pcm.byteLength)));
  }

  /** 20 ms of little-endian PCM16 from the agent, sent as one G.711 RTP packet. */
  send(pcm: Uint8Array): void {
    const samples = new Int16Array(pcm.slice().buffer, 0, pcm.length >> 1);
    const payload = this.#options.payloadType === 8 ? encodeAlaw(samples) : encodeMulaw(samples);
    const packet = buildRtp({ payloadType: this.#options.payloadType, sequence: this.#seq, timestamp: this.#timestamp, ssrc: this.#ssrc }, payload);
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + samples.length) >>> 0;
    this.#options.socket.send(packet, this.#remote.port, this.#remote.address, (error) => { if (error) this.rejected++; });
    this.packetsOut++;
    this.octetsOut += payload.length;
  }

  close(): void {
    this.#options.rtcpSocket.close();
    this.#jitter.dispose();
    this.#options.socket.close();
  }
}
