// Each call's conversation on disk, one JSON file per call, so a call can be inspected or resumed by id. Writes are
// debounced by a second (a turn changes the history twice: the caller's words, then the reply a few hundred
// milliseconds later, and each write costs the node a thread-pool round of open, write, close and rename),
// asynchronous (a file write must not stall every call's audio) and atomic (temp file + rename), so a crash leaves the
// previous version, never half a file.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import type { ArtifactStore } from '@invorto/artifacts/artifact-store.ts';
import type { ChatMessage } from '../providers/types.ts';
import { writeThenRename } from '../util/atomic-write.ts';
import type { Logger } from '../util/log.ts';

export interface CallHistoryRecord {
  callId: string;
  tenantId: string;
  agentId: string;
  updatedAt: string;
  ended: boolean;
  messages: ChatMessage[];
}

const MAX_CALL_ID_CHARS = 256;
const DEBOUNCE_MS = 1000;

export class HistoryStore {
  readonly #dir: string;
  readonly #pending = new Map<string, { record: CallHistoryRecord; timer: NodeJS.Timeout | null }>();
  /** Writes in progress, per call: a call's writes never overlap, so the newest record is the one left on disk. */
  readonly #writing = new Map<string, Promise<void>>();
  readonly #onError: (callId: string, error: Error) => void;
  /** Files written (for tests and metrics: debouncing should keep this near one per turn). */
  writes = 0;

  /** Where ended calls' histories also go, so a call can be resumed on any edge (the artifact store). */
  readonly #shared: ArtifactStore | undefined;

  /** `onError`: a write that failed (the call goes on; its history on disk is the previous version). */
  constructor(dir: string, onError: (callId: string, error: Error) => void = () => {}, shared?: ArtifactStore) {
    this.#dir = dir;
    this.#onError = onError;
    this.#shared = shared;
    mkdirSync(dir, { recursive: true });
  }

  save(record: CallHistoryRecord): void {
    this.#file(record.callId);
    const pending = this.#pending.get(record.callId);
    if (pending) {
      pending.record = record;
      return;
    }
    const timer = setTimeout(() => void this.flush(record.callId), DEBOUNCE_MS);
    timer.unref();
    this.#pending.set(record.callId, { record, timer });
  }

  /**
   * Writes pending records now (one call's, or all), off the event loop: file writes must not stall the audio of
   * every other call. Resolves when they are on disk; failures go to `onError`, never to the caller.
   */
  async flush(callId?: string): Promise<void> {
    const ids = callId === undefined ? [...new Set([...this.#pending.keys(), ...this.#writing.keys()])] : [callId];
    await Promise.all(ids.map((id) => this.#write(id)));
  }

  #write(callId: string): Promise<void> {
    const previous = this.#writing.get(callId) ?? Promise.resolve();
    const next = previous.then(async () => {
      const pending = this.#pending.get(callId);
      if (!pending) return;
      if (pending.timer) clearTimeout(pending.timer);
      this.#pending.delete(callId);
      const file = this.#file(callId);
      const temporary = `${file}.${process.pid}.tmp`;
      try {
        const json = JSON.stringify(pending.record);
        await writeThenRename(temporary, file, json);
        this.writes++;
        // Written through once the call has ended: edges keep nothing between calls that another edge cannot find.
        if (pending.record.ended && this.#shared) {
          const { tenantId } = pending.record;
          await this.#shared.put(sharedKey(tenantId, callId), { bytes: Buffer.from(json) }, { tenantId, callId, agentId: pending.record.agentId, contentType: 'application/json' });
        }
      } catch (error) {
        this.#onError(callId, error as Error);
      }
    });
    this.#writing.set(callId, next);
    void next.finally(() => { if (this.#writing.get(callId) === next) this.#writing.delete(callId); });
    return next;
  }

  /** The call's record, or null when this edge has none. Throws for an invalid id or a corrupt file. */
  load(callId: string): CallHistoryRecord | null {
    const pending = this.#pending.get(callId);
    if (pending) return pending.record;
    const file = this.#file(callId);
    if (!existsSync(file)) return null;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as CallHistoryRecord;
    } catch (error) {
      throw new Error(`history of call "${callId}" is unreadable (${file}): ${(error as Error).message}`);
    }
  }

  /**
   * The call's record from this edge, else from the shared store (a call that ended on another edge), else null.
   * Only the tenant's own histories can be found: the key starts with the tenant.
   */
  async find(tenantId: string, callId: string): Promise<CallHistoryRecord | null> {
    const local = this.load(callId);
    if (local || !this.#shared) return local;
    const body = await this.#shared.get(sharedKey(tenantId, callId));
    if (!body) return null;
    return JSON.parse(await text(body.stream)) as CallHistoryRecord;
  }

  /** Writes everything pending and waits for every write. */
  close(): Promise<void> {
    return this.flush();
  }

  /** Carriers choose call ids (SIP's contain "@"): any id is kept, its file name percent-encoded so no id is a path. */
  #file(callId: string): string {
    if (!callId || callId.length > MAX_CALL_ID_CHARS) throw new Error(`a call id must be 1-${MAX_CALL_ID_CHARS} characters (got ${callId.length})`);
    return join(this.#dir, `${encodeURIComponent(callId).replace(/\./g, '%2E').replace(/\*/g, '%2A')}.json`);
  }
}

/** `<tenant>/histories/<callId>.json`: found by the call id alone (with its tenant) when a call resumes. */
function sharedKey(tenantId: string, callId: string): string {
  return `${tenantId}/histories/${encodeURIComponent(callId).replace(/\./g, '%2E')}.json`;
}

/**
 * Saves a call's conversation as it changes (and flushes it when the call ends). Keeping the history must never
 * break the call: a failure is logged once and the call goes on.
 */
export function historyKeeper(history: { store: HistoryStore; tenantId: string }, ids: { callId: string; agentId: string },
  messages: () => readonly ChatMessage[], log: Logger): (ended: boolean) => void {
  let failed = false;
  return (ended) => {
    try {
      history.store.save({ ...ids, tenantId: history.tenantId, updatedAt: new Date().toISOString(), ended, messages: [...messages()] });
      if (ended) void history.store.flush(ids.callId);
    } catch (error) {
      if (!failed) log.warn({ err: (error as Error).message }, 'call history not saved');
      failed = true;
    }
  };
}
