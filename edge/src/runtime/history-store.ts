// Each call's conversation on disk, one JSON file per call, so a call can be inspected or resumed by id. Writes are
// debounced (a turn changes the history several times in a few milliseconds) and atomic (temp file + rename), so a
// crash leaves the previous version, never half a file.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage } from '../providers/types.ts';
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
const DEBOUNCE_MS = 250;

export class HistoryStore {
  readonly #dir: string;
  readonly #pending = new Map<string, { record: CallHistoryRecord; timer: NodeJS.Timeout }>();
  /** Files written (for tests and metrics: debouncing should keep this near one per turn). */
  writes = 0;

  constructor(dir: string) {
    this.#dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  save(record: CallHistoryRecord): void {
    this.#file(record.callId);
    const pending = this.#pending.get(record.callId);
    if (pending) {
      pending.record = record;
      return;
    }
    const timer = setTimeout(() => this.flush(record.callId), DEBOUNCE_MS);
    timer.unref();
    this.#pending.set(record.callId, { record, timer });
  }

  /** Writes pending records now: one call's, or all. */
  flush(callId?: string): void {
    for (const id of callId === undefined ? [...this.#pending.keys()] : [callId]) {
      const pending = this.#pending.get(id);
      if (!pending) continue;
      clearTimeout(pending.timer);
      this.#pending.delete(id);
      const file = this.#file(id);
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(pending.record));
      renameSync(temporary, file);
      this.writes++;
    }
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

  close(): void {
    this.flush();
  }

  /** Carriers choose call ids (SIP's contain "@"): any id is kept, its file name percent-encoded so no id is a path. */
  #file(callId: string): string {
    if (!callId || callId.length > MAX_CALL_ID_CHARS) throw new Error(`a call id must be 1-${MAX_CALL_ID_CHARS} characters (got ${callId.length})`);
    return join(this.#dir, `${encodeURIComponent(callId).replace(/\./g, '%2E').replace(/\*/g, '%2A')}.json`);
  }
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
      if (ended) history.store.flush(ids.callId);
    } catch (error) {
      if (!failed) log.warn({ err: (error as Error).message }, 'call history not saved');
      failed = true;
    }
  };
}
