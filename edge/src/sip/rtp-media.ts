// One SIP call's RTP: packets in through the dsp jitter buffer and loss concealment, played out every 20 ms as
// PCM16 into the call; the agent's PCM16 out as G.711 RTP. Symmetric RTP: we send to wherever the caller's packets
// come from (NAT), starting from the SDP address. RFC 4733 telephone-events become DTMF digits.
import type { Socket, RemoteInfo } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { encodeAlaw, encodeMulaw } from '@invorto/dsp/g711.ts';
import { JitterBuffer } from '@invorto/dsp/jitter-buffer.ts';
import { buildRtp, parseRtp } from '@invorto/dsp/rtp.ts';

const DTMF_DIGITS = '0123456789*#ABCD';

export interface RtpMediaOptions {
  socket: Socket;
  payloadType: number; // 0 PCMU, 8 PCMA
  telephoneEvent: number | null;
  remote: { address: string; port: number };
  /** 20 ms of little-endian PCM16 at 8 kHz, played out in order. */
  onAudio(pcm: Uint8Array): void;
  onDtmf(digit: string): void;
}

export class RtpMedia {
  readonly #options: RtpMediaOptions;
  readonly #jitter: JitterBuffer;
  readonly #timer: NodeJS.Timeout;
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
    this.#timer = setInterval(() => this.#playout(), 20);
  }

  #onPacket(datagram: Buffer, from: RemoteInfo): void {
    const packet = parseRtp(datagram); // an RtpError counts as rejected in the handler
    if (!this.#latched) {
      this.#remote = { address: from.address, port: from.port };
      this.#latched = true;
    }
    this.packetsIn++;
    if (packet.payloadType === this.#options.payloadType) {
      this.#jitter.push({ seq: packet.sequence, timestamp: packet.timestamp, ssrc: packet.ssrc, payload: packet.payload, arrivalMs: performance.now() });
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
  }

  close(): void {
    clearInterval(this.#timer);
    this.#jitter.dispose();
    this.#options.socket.close();
  }
}
