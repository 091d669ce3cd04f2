// An edge SIGKILLed mid-call, in a cluster with control (two replicas on one PostgreSQL, the Redis timeline): its
// calls are closed in control's records with the outcome `edge-lost` once its heartbeats stop for control's
// edge-lost time (15 s) and a sweep (every 5 s) runs; the other edge's calls go on and end normally. Meanwhile the
// second control replica is SIGKILLed: the first one's timeline consumer (same group) takes over, and every event
// the edges wrote is in control's records once (no loss, no duplicate), and each call is in one calls list.
// Artifacts go to the shared S3 bucket: each call A ended has its recording, transcripts and event log there (and
// none left on an edge's disk), and control lists them and serves the recording; B's calls have no artifacts there.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSipp, sippCount } from '../../edge/test/helpers/sipp.ts';
import { clusterToolsMissing, startCluster, type Cluster } from './cluster.ts';
import { freeUdpPort } from './processes.ts';
import { callsByEdge, readTimeline } from './timeline.ts';
import { RECORDED_CALL_ARTIFACTS, callObjects, enableRecording, localArtifacts, servedRecording, waitForArtifacts } from './artifacts.ts';

const CALLS = 6;
/** Control's defaults: an edge silent this long is lost; the sweep runs this often; edges heartbeat this often. */
const EDGE_LOST_AFTER_S = 15;
const SWEEP_S = 5;
const HEARTBEAT_S = 5;

interface CallSummary { id: string; edgeId: string | null; outcome: string | null; agentVersion: number | null; durationS: number | null }

describe.skipIf(clusterToolsMissing(true))('a cluster with control: an edge lost mid-call', () => {
  let cluster: Cluster;
  let passed = false;
  let recordingVersion: number;
  beforeAll(async () => {
    cluster = await startCluster({ drainS: 60, pingIntervalS: 1, controlReplicas: 2 });
    writeFileSync(join(cluster.dir, 'silence.ulaw'), Buffer.alloc(8000, 0xff));
    // The seeded demo agent does not record. No edge has looked it up yet (an edge does at its first call), so every
    // call gets this version: the calls list says which version answered each call.
    recordingVersion = await enableRecording(cluster.controls[0].url, cluster.apiKey);
  });
  afterAll(async () => { await cluster?.stop({ keepLogs: !passed }); });

  const callsInControl = async (): Promise<CallSummary[]> => {
    const response = await fetch(`${cluster.controls[0].url}/v1/calls?limit=100`, { headers: { authorization: `Bearer ${cluster.apiKey}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { calls: CallSummary[] }).calls;
  };

  it(`closes a SIGKILLed edge's calls as edge-lost within ${EDGE_LOST_AFTER_S} s + a sweep; the other edge's calls end normally`, async () => {
    const [a, b] = cluster.edges;
    const sipp = runSipp([
      '-sf', new URL('./sipp-caller.xml', import.meta.url).pathname, `127.0.0.1:${cluster.kamailioPort}`, '-s', 'demo',
      '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(await freeUdpPort()),
      '-m', String(CALLS), '-r', String(CALLS), '-l', String(CALLS), '-d', '20000', '-timeout', '90s', '-nostdin',
    ], cluster.dir, 100_000);
    // Every call up (and in control's list) before B goes.
    let listed: CallSummary[] = [];
    for (let i = 0; i < 300; i++) {
      listed = await callsInControl();
      if (listed.length === CALLS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(listed.length).toBe(CALLS);
    cluster.controls[1].process.signal('SIGKILL'); // a replica gone while calls are writing their timelines
    const killAtMs = Date.now();
    b.process.signal('SIGKILL');
    const bCalls = listed.filter((c) => c.edgeId === b.id).map((c) => c.id);
    const aCalls = listed.filter((c) => c.edgeId === a.id).map((c) => c.id);
    let lostAfterMs: number | null = null;
    const deadline = killAtMs + (EDGE_LOST_AFTER_S + SWEEP_S + HEARTBEAT_S + 20) * 1000;
    while (Date.now() < deadline) {
      const calls = await callsInControl();
      if (bCalls.every((id) => calls.find((c) => c.id === id)?.outcome === 'edge-lost')) { lostAfterMs = Date.now() - killAtMs; break; }
      await new Promise((r) => setTimeout(r, 250));
    }
    const result = await sipp;
    // A's calls end by their callers' BYE; the timeline's callEnded reaches control through the consumer group.
    let final: CallSummary[] = [];
    for (let i = 0; i < 100; i++) {
      final = await callsInControl();
      if (aCalls.every((id) => final.find((c) => c.id === id)?.outcome)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const events = await readTimeline(cluster.redis.url);
    // Each call's events as the edges wrote them vs as control stored them. Entries the killed replica had read but
    // not acknowledged are claimed by the other after 30 s idle (the consumer's claimIdleMs): wait for them.
    const written = new Map<string, number[]>();
    for (const e of events) written.set(e.callId, [...(written.get(e.callId) ?? []), e.seq]);
    const storedSeqs = async (id: string) => {
      const response = await fetch(`${cluster.controls[0].url}/v1/calls/${encodeURIComponent(id)}/timeline`, { headers: { authorization: `Bearer ${cluster.apiKey}` } });
      return ((await response.json()) as { events: { seq: number }[] }).events.map((e) => e.seq);
    };
    let stored = new Map<string, number[]>();
    for (let i = 0; i < 90; i++) {
      stored = new Map(await Promise.all([...written.keys()].map(async (id) => [id, await storedSeqs(id)] as [string, number[]])));
      if ([...written].every(([id, seqs]) => stored.get(id)?.length === seqs.length)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    // A's calls ended: an edge queues a call's files at its hang-up and uploads them just after (a few seconds at
    // most here). B's calls never ended on B: nothing was queued, and the recording a kill leaves is removed at the
    // edge's next start, never uploaded (call-recordings.ts; docs/artifacts.md: durability starts at the manifest).
    const objects = await waitForArtifacts(cluster.s3.settings, aCalls, 30_000);
    const served = new Map(await Promise.all(final.map(async (c) => [c.id, await servedRecording(cluster.controls[0].url, cluster.apiKey, c.id)] as const)));
    const local = Object.fromEntries(cluster.edges.map((e) => [e.id, localArtifacts(join(cluster.dir, e.id))]));
    const artifactsOf = (ids: string[]) => ids.map((id) => {
      const s = served.get(id);
      return { id, inS3: Object.fromEntries(callObjects(objects, id)), served: s && { status: s.status, bytes: s.bytes, durationS: s.durationS } };
    });
    const report = {
      callsPerEdge: Object.fromEntries([...callsByEdge(events)].map(([id, calls]) => [id, calls.length])),
      lostAfterMs, events: { written: events.length, stored: [...stored.values()].flat().length }, sipp: { ok: sippCount(result.out, 'Successful call'), failed: sippCount(result.out, 'Failed call') },
      outcomes: Object.fromEntries(final.map((c) => [c.id, `${c.edgeId}:${c.outcome}`])),
      artifacts: {
        bucket: { objects: objects.length, bytes: objects.reduce((sum, o) => sum + o.size, 0), histories: objects.filter((o) => o.key.includes('/histories/')).length, ttsCache: objects.filter((o) => o.key.startsWith('tts-cache/')).length },
        [a.id]: artifactsOf(aCalls), [b.id]: artifactsOf(bCalls), local,
      },
    };
    console.log(`edge-lost: ${JSON.stringify(report)}`);
    expect(aCalls.length).toBeGreaterThan(0);
    expect(bCalls.length).toBeGreaterThan(0);
    expect(lostAfterMs, 'B\'s calls closed as edge-lost').not.toBeNull();
    // Lost no sooner than control's limit allows (B's last heartbeat was at most HEARTBEAT_S before the kill).
    expect(lostAfterMs!).toBeGreaterThanOrEqual((EDGE_LOST_AFTER_S - HEARTBEAT_S) * 1000);
    expect(aCalls.map((id) => final.find((c) => c.id === id)?.outcome)).toEqual(aCalls.map(() => 'caller_hangup'));
    expect(bCalls.map((id) => final.find((c) => c.id === id)?.outcome)).toEqual(bCalls.map(() => 'edge-lost'));
    // The callers on A finished; those on B could not hang up through a dead edge.
    expect(report.sipp.ok).toBe(aCalls.length);
    // Every event once: control holds exactly the seqs each call's edge wrote; each call once in the list.
    for (const [id, seqs] of written) expect(stored.get(id), id).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(final.map((c) => c.id)).size).toBe(final.length);
    expect(final.length).toBe(CALLS);
    // Artifacts. Every call was answered by the recording version of the agent.
    expect(final.map((c) => c.agentVersion)).toEqual(final.map(() => recordingVersion));
    for (const call of final.filter((c) => aCalls.includes(c.id))) {
      const inS3 = callObjects(objects, call.id);
      expect([...inS3.keys()].sort(), `${call.id}: its artifacts in the bucket`).toEqual(RECORDED_CALL_ARTIFACTS);
      const s = served.get(call.id)!;
      // Control lists what is in the bucket, and serves the recording's bytes from it.
      expect([s.listStatus, s.listed], call.id).toEqual([200, inS3]);
      expect({ status: s.status, riff: s.riff, bytes: s.bytes }, call.id).toEqual({ status: 200, riff: true, bytes: inS3.get('recording.wav') });
      // The recording spans the call on the edge's clock (call-recorder.ts), as the call's length does.
      expect(Math.abs(s.durationS! - call.durationS!), call.id).toBeLessThan(1);
    }
    for (const id of bCalls) {
      expect(callObjects(objects, id).size, `${id}: lost mid-call, nothing in the bucket`).toBe(0);
      expect(served.get(id)!.status).toBe(404);
    }
    // Nothing of A's calls stays on its disk once stored; B left no finished call waiting for upload.
    expect(local[a.id]).toEqual({ pendingJobs: [], recordingsInProgress: [], wavs: [] });
    expect(local[b.id].pendingJobs).toEqual([]);
    // Billing (both replicas price ended calls every 2 s): each call that ended with its timeline is billed once;
    // an edge-lost call has no usage to price (call-billing.ts) and is not billed.
    const window = `from=${new Date(killAtMs - 3_600_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`;
    let billed: string[] = [];
    for (let i = 0; i < 60; i++) {
      const response = await fetch(`${cluster.controls[0].url}/v1/billing/records?${window}&limit=100`, { headers: { authorization: `Bearer ${cluster.apiKey}` } });
      expect(response.status).toBe(200);
      billed = ((await response.json()) as { records: { callId: string }[] }).records.map((r) => r.callId);
      if (aCalls.every((id) => billed.includes(id))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect([...billed].sort()).toEqual([...aCalls].sort());
    passed = true;
  });
});
