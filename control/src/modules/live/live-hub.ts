// Who watches which call, shared by every browser socket of this control: the first watcher of a call asks the
// sources (edges over their sockets, Redis) for it, the last one to leave lets it go, and each edge message is
// serialized once and sent to every watcher of its call, only ever within the call's tenant.
import type { ControlContext } from '../../context.ts';

export interface LiveWatcher {
  tenantId: string;
  send(text: string): void;
}

/** Where live messages come from: told which calls are watched, it calls `LiveHub.deliver` with their messages. */
export interface LiveSource {
  watch(callId: string, tenantId: string): void;
  unwatch(callId: string, tenantId: string): void;
  close(): Promise<void>;
}

interface Watched { tenantId: string; watchers: Set<LiveWatcher> }

export class LiveHub {
  readonly #calls = new Map<string, Watched>();
  readonly #sources: LiveSource[] = [];
  /** Messages delivered, and messages dropped because their tenant was not the watched call's. */
  readonly stats = { delivered: 0, refused: 0 };

  addSource(source: LiveSource): () => void {
    this.#sources.push(source);
    for (const [callId, { tenantId }] of this.#calls) source.watch(callId, tenantId);
    return () => { const i = this.#sources.indexOf(source); if (i >= 0) this.#sources.splice(i, 1); };
  }

  /** The calls watched now, for a source that (re)connects. */
  watched(): [callId: string, tenantId: string][] {
    return [...this.#calls].map(([callId, { tenantId }]) => [callId, tenantId]);
  }

  watch(callId: string, watcher: LiveWatcher): void {
    let entry = this.#calls.get(callId);
    if (!entry) {
      entry = { tenantId: watcher.tenantId, watchers: new Set() };
      this.#calls.set(callId, entry);
      for (const source of this.#sources) source.watch(callId, watcher.tenantId);
    }
    if (entry.tenantId === watcher.tenantId) entry.watchers.add(watcher);
  }

  unwatch(callId: string, watcher: LiveWatcher): void {
    const entry = this.#calls.get(callId);
    if (!entry?.watchers.delete(watcher) || entry.watchers.size) return;
    this.#calls.delete(callId);
    for (const source of this.#sources) source.unwatch(callId, entry.tenantId);
  }

  /** An edge's message about a call. One from another tenant than the watched call's is dropped. */
  deliver(message: Record<string, unknown>): void {
    const entry = typeof message.callId === 'string' ? this.#calls.get(message.callId) : undefined;
    if (!entry) return;
    if (message.tenantId !== entry.tenantId) { this.stats.refused++; return; }
    const { tenantId: _tenant, ...forBrowser } = message;
    const text = JSON.stringify(forBrowser);
    for (const watcher of entry.watchers) watcher.send(text);
    this.stats.delivered++;
    if (message.type === 'ended') for (const watcher of [...entry.watchers]) this.unwatch(message.callId as string, watcher);
  }

  async close(): Promise<void> {
    this.#calls.clear();
    for (const source of this.#sources.splice(0)) await source.close().catch(() => {});
  }
}

const hubs = new WeakMap<ControlContext, LiveHub>();

/** The one hub of a control process (its public and internal APIs share it). */
export function liveHubFor(ctx: ControlContext): LiveHub {
  let hub = hubs.get(ctx);
  if (!hub) hubs.set(ctx, hub = new LiveHub());
  return hub;
}
