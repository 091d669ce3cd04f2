// The edge tells control it is alive: every few seconds a heartbeat to control's internal API with its id, address,
// version, calls in progress and CPU. Control lists edges from these and, when they stop, marks the edge lost and
// closes its open call records. A failing heartbeat is logged once a minute and never touches a call.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger } from '../util/log.ts';

/** The edge package's version, reported in heartbeats. */
export const EDGE_VERSION = String((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0');

export interface HeartbeatBody {
  id: string;
  address: string;
  version: string;
  activeCalls: number;
  /** This process's CPU use since the previous heartbeat, percent of one core. */
  cpu: number;
  draining?: boolean;
  /** When this process started, epoch ms: control closes the calls an earlier process of this edge left open. */
  bootedAt: number;
}

export interface HeartbeatOptions {
  /** Control's internal API (INVORTO_CONTROL_URL). */
  controlUrl: string;
  internalToken: string;
  edgeId: string;
  /** Where carriers and the dispatcher reach this edge. */
  address: string;
  version: string;
  activeCalls: () => number;
  draining?: () => boolean;
  intervalMs?: number;
  log: Logger;
  /** Tests: a clock for the once-a-minute failure log. */
  nowMs?: () => number;
}

const FAILURE_LOG_EVERY_MS = 60_000;
const REQUEST_TIMEOUT_MS = 2000;

/** The edge's id: configured (INVORTO_EDGE_ID), else host:port, with the worker index when there are several. */
export function edgeIdFor(configured: string | undefined, port: number, workerIndex = 0): string {
  const base = configured || `${hostname()}:${port}`;
  return workerIndex === 0 ? base : `${base}-w${workerIndex}`;
}

export class EdgeHeartbeat {
  readonly #options: HeartbeatOptions;
  #timer: NodeJS.Timeout | null = null;
  #lastCpu = process.cpuUsage();
  #lastAtMs = performance.now();
  #lastFailureLogMs = -Infinity;
  #inFlight: Promise<boolean> | null = null;

  constructor(options: HeartbeatOptions) {
    this.#options = options;
  }

  start(): this {
    void this.beat();
    this.#timer = setInterval(() => void this.beat(), this.#options.intervalMs ?? 5000);
    this.#timer.unref();
    return this;
  }

  /** Sends one heartbeat (one at a time); resolves whether control took it. Never rejects. */
  beat(): Promise<boolean> {
    this.#inFlight ??= this.#send().finally(() => { this.#inFlight = null; });
    return this.#inFlight;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#inFlight;
  }

  #cpuPercent(): number {
    const cpu = process.cpuUsage(this.#lastCpu);
    const now = performance.now();
    const elapsedUs = Math.max(1, (now - this.#lastAtMs) * 1000);
    this.#lastCpu = process.cpuUsage();
    this.#lastAtMs = now;
    return Math.round(((cpu.user + cpu.system) / elapsedUs) * 1000) / 10;
  }

  async #send(): Promise<boolean> {
    const o = this.#options;
    const body: HeartbeatBody = {
      id: o.edgeId, address: o.address, version: o.version, activeCalls: o.activeCalls(), cpu: this.#cpuPercent(), bootedAt: Math.floor(performance.timeOrigin),
      ...(o.draining?.() ? { draining: true } : {}),
    };
    try {
      const response = await fetch(`${o.controlUrl.replace(/\/$/, '')}/internal/edges/heartbeat`, {
        method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        headers: { 'content-type': 'application/json', 'x-invorto-internal': o.internalToken },
      });
      if (!response.ok) throw new Error(`control answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
      return true;
    } catch (error) {
      const now = (o.nowMs ?? Date.now)();
      if (now - this.#lastFailureLogMs >= FAILURE_LOG_EVERY_MS) {
        this.#lastFailureLogMs = now;
        o.log.warn({ err: (error as Error).message, controlUrl: o.controlUrl }, 'heartbeat to control failed (calls go on; logged once a minute)');
      }
      return false;
    }
  }
}
