// The timeline's contracts: where calls' events go (a sink) and how they are read back (consumer groups and a
// per-call replay). Two implementations share them: Redis Streams (REDIS_URL) and the embedded append-only log.

/** One stored CallEvent: `event` is the protobuf encoding; (callId, seq) identifies it across retries. */
export interface TimelineEntry {
  /** The log's own id: a Redis stream id ("1700000000000-0"), or the embedded log's record offset as a string. */
  id: string;
  callId: string;
  seq: number;
  event: Uint8Array;
}

export interface TimelineSink {
  /** Takes one encoded CallEvent. Must not throw: a failing sink spools or counts, it never breaks a call. */
  append(callId: string, seq: number, encoded: Uint8Array): void;
  /** Everything appended so far is stored (or spooled durably). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** What a sink reports, for metrics: one collector listens to these. */
export type TimelineSinkEvents = {
  /** A batch reached the log: how long its oldest event waited since append(). */
  published: { events: number; oldestWaitS: number };
  /** Events written to the local spool because the log was unreachable. */
  spooled: { events: number };
  /** Spooled events delivered to the log after it came back. */
  replayed: { events: number };
  /** Events in the spool now. */
  backlog: { events: number };
  /** Events that could not be kept at all (the spool was full). */
  dropped: { events: number; reason: string };
  error: { message: string };
};

export interface ConsumerOptions {
  group: string;
  consumer: string;
  /** Entries per read. */
  batch?: number;
  /** Entries another consumer has held this long without acking are claimed. */
  claimIdleMs?: number;
  /** After this many failed deliveries an entry goes to the dead-letter log and is acked. */
  maxAttempts?: number;
}

/**
 * Processes a batch. Entries it returns as failed (by id) are left pending for a retry; a thrown error fails the
 * whole batch. Everything else is acked. Handlers must be idempotent by (callId, seq): delivery is at least once.
 */
export type BatchHandler = (entries: TimelineEntry[]) => Promise<{ failed?: string[] } | void>;

export interface TimelineConsumer {
  /** Reads, handles and acks until close(); also claims entries dead consumers held. */
  start(handler: BatchHandler): void;
  close(): Promise<void>;
}

/** How far a consumer group is behind, for metrics. */
export interface GroupBacklog {
  /** Entries delivered to a consumer of the group and not yet acked (being handled, or failed and waiting for a retry). */
  pending: number;
  /** Entries in the log not yet delivered to the group; absent where the log cannot count them cheaply. */
  unread?: number;
}

export interface TimelineReader {
  /** A call's events, de-duplicated by seq and in seq order. */
  callTimeline(callId: string): Promise<TimelineEntry[]>;
  consumer(options: ConsumerOptions): TimelineConsumer;
  /** Entries that went to the dead-letter log, oldest first. */
  deadLetters(count?: number): Promise<(TimelineEntry & { group: string; attempts: number; error: string })[]>;
  /** The group's backlog; a group that does not exist yet has none. */
  groupBacklog(group: string): Promise<GroupBacklog>;
}

/** De-duplicates by (callId, seq) and orders each call's events by seq. */
export function orderedCallEvents(entries: Iterable<TimelineEntry>): TimelineEntry[] {
  const bySeq = new Map<number, TimelineEntry>();
  for (const entry of entries) if (!bySeq.has(entry.seq)) bySeq.set(entry.seq, entry);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
