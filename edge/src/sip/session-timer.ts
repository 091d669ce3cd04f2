// Session timers (RFC 4028) as the UAS: the interval and refresher are agreed in the INVITE's 2xx; the refresher
// re-sends its INVITE (or UPDATE) every interval/2. When we refresh, a refresh that fails ends the call; when the
// caller refreshes and stops (a far end that vanished), the call ends at the expiry less min(32 s, interval/3).
import type { Clock, Timer } from './clock.ts';
import { header, param, type SipRequest } from './sip-message.ts';

export interface SessionTimerSettings {
  /** Interval we ask for when the caller names none; 0 turns session timers off. */
  expiresS: number;
  /** Shortest interval we accept (422 below it); RFC 4028 says at least 90 s. */
  minSeS: number;
}

export type Refresher = 'uac' | 'uas';

export type SessionNegotiation =
  | { kind: 'none' }
  | { kind: 'too-small'; minSeS: number }
  | { kind: 'agreed'; intervalS: number; refresher: Refresher; headers: Record<string, string> };

/** What a (re-)INVITE or UPDATE asks for, and what our 2xx says back (RFC 4028 §9). */
export function negotiateSession(request: SipRequest, settings: SessionTimerSettings): SessionNegotiation {
  if (settings.expiresS <= 0) return { kind: 'none' };
  const supports = /(^|,)\s*timer\s*(,|$)/i.test([...(request.headers.get('supported') ?? []), ...(request.headers.get('require') ?? [])].join(','));
  const asked = header(request, 'session-expires');
  const askedS = asked ? Number(/^\s*(\d+)/.exec(asked)?.[1]) : NaN;
  const theirMinS = Number(/^\s*(\d+)/.exec(header(request, 'min-se'))?.[1] ?? 0);
  if (asked && !Number.isFinite(askedS)) return { kind: 'none' };
  if (asked && askedS < settings.minSeS) return { kind: 'too-small', minSeS: settings.minSeS };
  const intervalS = asked ? askedS : Math.max(settings.expiresS, theirMinS, settings.minSeS);
  // The caller's choice of refresher stands; else it refreshes when it can, and we do when it cannot.
  const named = param(asked, 'refresher').toLowerCase();
  const refresher: Refresher = named === 'uac' || named === 'uas' ? named : supports ? 'uac' : 'uas';
  const headers: Record<string, string> = { 'Session-Expires': `${intervalS};refresher=${refresher}` };
  if (supports) headers.Require = 'timer';
  return { kind: 'agreed', intervalS, refresher, headers };
}

/** One dialog's session timer: `refresh` when we are the refresher and it is time, `expired` when the session ran out. */
export class SessionTimer {
  readonly #clock: Clock;
  readonly #onRefresh: () => void;
  readonly #onExpired: () => void;
  #timer: Timer | null = null;
  #intervalS = 0;
  #refresher: Refresher = 'uac';

  constructor(clock: Clock, handlers: { refresh(): void; expired(): void }) {
    this.#clock = clock;
    this.#onRefresh = handlers.refresh;
    this.#onExpired = handlers.expired;
  }

  get refresher(): Refresher {
    return this.#refresher;
  }

  get intervalS(): number {
    return this.#intervalS;
  }

  /** A 2xx to a (re-)INVITE or UPDATE agreed this: the session starts again from now. */
  restart(intervalS: number, refresher: Refresher): void {
    this.#intervalS = intervalS;
    this.#refresher = refresher;
    this.#timer?.cancel();
    if (refresher === 'uas') {
      this.#timer = this.#clock.setTimer(() => { this.#timer = null; this.#onRefresh(); }, (intervalS * 1000) / 2);
    } else {
      const graceS = Math.min(32, intervalS / 3);
      this.#timer = this.#clock.setTimer(() => { this.#timer = null; this.#onExpired(); }, (intervalS - graceS) * 1000);
    }
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }
}
