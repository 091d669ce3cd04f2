// The edge-lost sweeper: every interval, edges whose last heartbeat is older than `edgeLostAfterS` are marked lost,
// and the open calls of lost edges are closed in the records with the outcome `edge-lost`. Both steps are atomic
// conditional updates, so control replicas can all sweep: each edge and each call is closed once.
import type { ControlContext } from '../../context.ts';
import { CallRepository } from '../calls/repository.ts';
import { EdgeRepository } from './repository.ts';

export interface SweepResult { lostEdges: string[]; closedCalls: { id: string; edgeId: string }[] }

export class EdgeSweeper {
  readonly #edges: EdgeRepository;
  readonly #calls: CallRepository;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;

  constructor(private readonly ctx: ControlContext) {
    this.#edges = new EdgeRepository(ctx.database.db);
    this.#calls = new CallRepository(ctx.database.db, ctx.database.dialect);
  }

  async sweep(): Promise<SweepResult> {
    const now = this.ctx.now();
    const lostEdges = await this.#edges.markLost(now - this.ctx.settings.edgeLostAfterS * 1000, now);
    for (const id of lostEdges) this.ctx.log.warn({ edgeId: id }, `edge lost: no heartbeat for ${this.ctx.settings.edgeLostAfterS} s; its open calls are closed as edge-lost`);
    const closedCalls = await this.#calls.closeCallsOfLostEdges(now);
    if (closedCalls.length) this.ctx.log.info({ calls: closedCalls.length }, 'open calls of lost edges closed (edge-lost)');
    return { lostEdges, closedCalls };
  }

  start(intervalMs: number): this {
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = this.sweep().catch((error: Error) => this.ctx.log.error({ err: error.message }, 'edge sweep failed')).finally(() => { this.#running = null; });
    }, intervalMs);
    this.#timer.unref();
    return this;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
