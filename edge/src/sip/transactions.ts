// RFC 3261 §17 over UDP, the parts a UAS needs. Server side: a retransmitted request gets the last response again
// instead of being handled twice (Timer J keeps a non-INVITE answer 64*T1; an INVITE's stays as long, RFC 6026),
// and a non-2xx final response to an INVITE is re-sent on Timer G until the ACK, given up at Timer H. Client side,
// for the requests we send (BYE, REFER, a session-refresh re-INVITE): re-sent on Timer E (A for INVITE) until a
// final response, given up at Timer F (B). The 2xx to an INVITE is the dialog's to re-send (§13.3.1.4): its ACK is a
// new transaction, so the dialog matches it.
import type { RemoteInfo } from 'node:dgram';
import type { Clock, Timer } from './clock.ts';
import { cseqOf, header, parseSipMessage, transactionKey, type SipRequest, type SipResponse } from './sip-message.ts';

export interface SipTimers {
  /** RTT estimate; retransmissions start here and everything gives up at 64*T1. */
  t1Ms: number;
  /** Longest interval between retransmissions of a non-INVITE request or a response. */
  t2Ms: number;
  /** How long the network may hold a message (Timers I, K). */
  t4Ms: number;
}

export const RFC3261_TIMERS: SipTimers = { t1Ms: 500, t2Ms: 4000, t4Ms: 5000 };

export type Address = Pick<RemoteInfo, 'address' | 'port'>;
export type SendDatagram = (datagram: Buffer, to: Address) => void;

/**
 * Re-sends after T1, then doubling up to `capMs`, until stop(); at 64*T1 it stops and calls onGiveUp. The caller
 * sends the first copy itself.
 */
export class Retransmitter {
  readonly #clock: Clock;
  readonly #send: () => void;
  readonly #capMs: number;
  #intervalMs: number;
  /** When the next copy is due: copies keep to the schedule even when one fires late (a busy event loop). */
  #dueMs: number;
  #timer: Timer | null = null;
  #deadline: Timer | null;
  #stopped = false;

  constructor(clock: Clock, timers: SipTimers, send: () => void, onGiveUp: () => void, capMs = timers.t2Ms) {
    this.#clock = clock;
    this.#send = send;
    this.#capMs = capMs;
    this.#intervalMs = timers.t1Ms;
    this.#dueMs = clock.now() + timers.t1Ms;
    this.#deadline = clock.setTimer(() => { this.stop(); onGiveUp(); }, 64 * timers.t1Ms);
    this.#schedule();
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimer(() => {
      this.#send();
      this.#intervalMs = Math.min(this.#intervalMs * 2, this.#capMs);
      this.#dueMs += this.#intervalMs;
      this.#schedule();
    }, Math.max(0, this.#dueMs - this.#clock.now()));
  }

  /** A provisional response came: a non-INVITE request is re-sent every T2 from now on (§17.1.2.2). */
  slowTo(intervalMs: number): void {
    if (this.#stopped) return;
    this.#timer?.cancel();
    this.#intervalMs = intervalMs;
    this.#dueMs = this.#clock.now() + intervalMs;
    this.#schedule();
  }

  /** Stops re-sending but keeps the deadline (an INVITE that got a provisional still gives up at Timer B). */
  pause(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#deadline?.cancel();
    this.#timer = this.#deadline = null;
  }
}

/** What every transaction holds that has to stop when it ends. */
interface Transaction {
  key: string;
  retransmitter: Retransmitter | null;
  expiry: Timer | null;
}

/** Both sides keep their live transactions by key and end them alike; they differ in how one starts and when it ends. */
class TransactionTable<E extends Transaction> {
  protected readonly entries = new Map<string, E>();
  protected readonly clock: Clock;
  protected readonly timers: SipTimers;
  protected readonly send: SendDatagram;

  constructor(clock: Clock, timers: SipTimers, send: SendDatagram) {
    this.clock = clock;
    this.timers = timers;
    this.send = send;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Only deletes the key while it is still this entry's: a newer transaction may have taken it over. */
  protected remove(entry: E): void {
    entry.retransmitter?.stop();
    entry.expiry?.cancel();
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
  }

  close(): void {
    for (const entry of [...this.entries.values()]) this.remove(entry);
  }
}

interface ServerTransaction extends Transaction {
  request: SipRequest;
  from: Address;
  response: Buffer | null;
  status: number;
}

export class ServerTransactions extends TransactionTable<ServerTransaction> {
  /** INVITEs we refused (3xx-6xx), by Call-ID and CSeq: for ACKs that do not carry the INVITE's branch. */
  readonly #refused = new Map<string, ServerTransaction>();

  /** A request seen before is a retransmission: it gets our last response again, and true. */
  absorb(request: SipRequest, from: Address): boolean {
    const known = this.entries.get(transactionKey(request));
    if (!known) return false;
    if (known.response) this.send(known.response, from);
    return true;
  }

  open(request: SipRequest, from: Address): ServerTransaction {
    const entry: ServerTransaction = { key: transactionKey(request), request, from, response: null, status: 0, retransmitter: null, expiry: null };
    this.entries.set(entry.key, entry);
    return entry;
  }

  /** The INVITE transaction a CANCEL names (same branch, §9.2). */
  inviteOf(cancel: SipRequest): ServerTransaction | undefined {
    return this.entries.get(transactionKey(cancel, 'INVITE'));
  }

  /** Sends a response in the transaction; a final one starts the clock that ends the transaction. */
  respond(entry: ServerTransaction, response: Buffer, status: number): void {
    if (entry.status >= 200) return; // one final response per transaction
    entry.response = response;
    entry.status = status;
    this.send(response, entry.from);
    if (status < 200) return;
    const invite = entry.request.method === 'INVITE';
    if (invite && status >= 300) {
      // Timer G until the ACK; Timer H gives up.
      this.#refused.set(refusedKey(entry.request), entry);
      entry.retransmitter = new Retransmitter(this.clock, this.timers, () => this.send(response, entry.from), () => this.remove(entry));
      return;
    }
    this.#expireAfter(entry, 64 * this.timers.t1Ms);
  }

  /** An ACK: true when it acknowledged a non-2xx final response of ours (then Timer I absorbs its copies). */
  ack(ack: SipRequest): boolean {
    const entry = this.entries.get(transactionKey(ack, 'INVITE')) ?? this.#byCallIdAndCseq(ack);
    if (!entry || entry.status < 300) return false;
    if (entry.retransmitter) {
      entry.retransmitter.stop();
      entry.retransmitter = null;
      entry.response = null; // Confirmed: ACK copies are absorbed, not answered
      this.#expireAfter(entry, this.timers.t4Ms);
    }
    return true;
  }

  /** An ACK whose branch is not its INVITE's (RFC 2543 peers, some test tools) still ends our 4xx's Timer G. */
  #byCallIdAndCseq(ack: SipRequest): ServerTransaction | undefined {
    return this.#refused.get(refusedKey(ack));
  }

  #expireAfter(entry: ServerTransaction, delayMs: number): void {
    entry.expiry?.cancel();
    entry.expiry = this.clock.setTimer(() => this.remove(entry), delayMs);
  }

  protected override remove(entry: ServerTransaction): void {
    super.remove(entry);
    if (this.#refused.get(refusedKey(entry.request)) === entry) this.#refused.delete(refusedKey(entry.request));
  }
}

const refusedKey = (request: SipRequest) => `${header(request, 'call-id')}|${cseqOf(request).seq}`;

interface ClientTransaction extends Transaction {
  to: Address;
  invite: boolean;
  onFinal: ((response: SipResponse | null) => void) | null;
  /** INVITE: the ACK we sent for its final response, re-sent when that response comes again. */
  ack: Buffer | null;
  buildAck?: (response: SipResponse) => Buffer;
}

export class ClientTransactions extends TransactionTable<ClientTransaction> {
  /**
   * Sends `request` and re-sends it until a final response, which goes to onFinal;
   * null means Timer F (B for an INVITE) fired first. An INVITE's final response is ACKed with buildAck's message.
   */
  request(request: Buffer, method: string, to: Address, onFinal: (response: SipResponse | null) => void, buildAck?: (response: SipResponse) => Buffer): void {
    const invite = method === 'INVITE';
    const entry: ClientTransaction = { key: transactionKey(parseSipMessage(request), method), to, invite, retransmitter: null, onFinal, ack: null, buildAck, expiry: null };
    this.entries.set(entry.key, entry);
    this.send(request, to);
    entry.retransmitter = new Retransmitter(this.clock, this.timers, () => this.send(request, to), () => {
      this.entries.delete(entry.key);
      this.#finish(entry, null);
    }, invite ? Number.POSITIVE_INFINITY : this.timers.t2Ms);
  }

  /** A response from the network: true when it belonged to one of our transactions. */
  receive(response: SipResponse): boolean {
    const entry = this.entries.get(transactionKey(response, cseqOf(response).method));
    if (!entry) return false;
    if (response.status < 200) {
      if (entry.invite) entry.retransmitter?.pause();
      else entry.retransmitter?.slowTo(this.timers.t2Ms);
      return true;
    }
    if (entry.onFinal === null) {
      if (entry.ack) this.send(entry.ack, entry.to); // a retransmitted final response: our ACK was lost
      return true;
    }
    entry.retransmitter?.stop();
    if (entry.invite && entry.buildAck) {
      entry.ack = entry.buildAck(response);
      this.send(entry.ack, entry.to);
    }
    this.#finish(entry, response);
    // Keep the entry to absorb copies of the final response: 64*T1 for an INVITE's (2xx copies), T4 (Timer K) otherwise.
    entry.expiry = this.clock.setTimer(() => this.entries.delete(entry.key), entry.invite ? 64 * this.timers.t1Ms : this.timers.t4Ms);
    return true;
  }

  #finish(entry: ClientTransaction, response: SipResponse | null): void {
    const onFinal = entry.onFinal;
    entry.onFinal = null;
    onFinal?.(response);
  }
}
