// A UDP relay on loopback between a SIP peer (sipp) and the edge that drops a share of the datagrams in each
// direction, at random from a fixed seed, so a lossy trunk can be replayed exactly. It also keeps what it passed,
// for tests that look at (or replay) a message.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { mulberry32 } from '@invorto/dsp/seeded-random.ts';

export interface RelayedDatagram {
  direction: 'up' | 'down';
  dropped: boolean;
  text: string;
}

export class LossyUdpProxy {
  /** sipp sends here. */
  readonly front: Socket = createSocket('udp4');
  /** The edge sees this as the trunk's address. */
  readonly back: Socket = createSocket('udp4');
  readonly datagrams: RelayedDatagram[] = [];
  #peer: RemoteInfo | null = null;
  readonly #random: () => number;

  constructor(private readonly target: { address: string; port: number }, private readonly lossRate: number, seed: number) {
    this.#random = mulberry32(seed);
  }

  get port(): number {
    return this.front.address().port;
  }

  async open(): Promise<void> {
    await Promise.all([this.front, this.back].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))));
    this.front.on('message', (m, from) => {
      this.#peer = from;
      if (this.#pass('up', m)) this.back.send(m, this.target.port, this.target.address);
    });
    this.back.on('message', (m) => {
      if (this.#peer && this.#pass('down', m)) this.front.send(m, this.#peer.port, this.#peer.address);
    });
  }

  #pass(direction: 'up' | 'down', datagram: Buffer): boolean {
    const dropped = this.#random() < this.lossRate;
    this.datagrams.push({ direction, dropped, text: datagram.toString() });
    return !dropped;
  }

  /** Datagrams by direction and fate, and by kind ("INVITE", "200 INVITE", "ACK"…). */
  summary(): { up: { passed: number; dropped: number }; down: { passed: number; dropped: number }; kinds: Record<string, number> } {
    const out = { up: { passed: 0, dropped: 0 }, down: { passed: 0, dropped: 0 }, kinds: {} as Record<string, number> };
    for (const d of this.datagrams) {
      out[d.direction][d.dropped ? 'dropped' : 'passed'] += 1;
      const first = d.text.slice(0, d.text.indexOf('\r\n'));
      const method = /CSeq:\s*\d+\s+(\w+)/i.exec(d.text)?.[1] ?? '?';
      const kind = first.startsWith('SIP/2.0') ? `${d.direction} ${first.split(' ')[1]} ${method}` : `${d.direction} ${first.split(' ')[0]}`;
      out.kinds[kind] = (out.kinds[kind] ?? 0) + 1;
    }
    return out;
  }

  close(): void {
    this.front.close();
    this.back.close();
  }
}
