// The multi-node test: 40 sipp calls through Kamailio (deploy/kamailio/kamailio.cfg) spread over two `invorto edge`
// processes sharing one Redis timeline; mid-run one edge is SIGTERMed and drains: it answers Kamailio's OPTIONS
// probes with 503, Kamailio marks it down and sends it no further INVITE, its calls in progress end normally and
// every caller's call still succeeds (on the other edge).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSipp, sippCount } from '../../edge/test/helpers/sipp.ts';
import { clusterToolsMissing, dispatcherStates, startCluster, type Cluster } from './cluster.ts';
import { freeUdpPort } from './processes.ts';
import { callsByEdge, readTimeline } from './timeline.ts';

const CALLS = 40;

describe.skipIf(clusterToolsMissing(false))('a cluster: Kamailio in front of two edges', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ drainS: 60, pingIntervalS: 1 });
    writeFileSync(join(cluster.dir, 'silence.ulaw'), Buffer.alloc(8000, 0xff)); // 1 s of mu-law silence, looped
  });
  let passed = false;
  afterAll(async () => { await cluster?.stop({ keepLogs: !passed }); });

  it(`${CALLS} calls land on both edges; a SIGTERMed edge finishes its calls and gets no new INVITE`, async () => {
    const [a, b] = cluster.edges;
    const inviteTo = (edge: typeof a) => new RegExp(`INVITE \\S+ to edge sip:127\\.0\\.0\\.1:${edge.sipPort}$`);
    const sipp = runSipp([
      '-sf', new URL('./sipp-caller.xml', import.meta.url).pathname, `127.0.0.1:${cluster.kamailioPort}`, '-s', 'demo',
      '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(await freeUdpPort()),
      '-m', String(CALLS), '-r', '4', '-l', '16', '-d', '4000', '-timeout', '150s', '-nostdin', '-trace_err',
    ], cluster.dir, 170_000);
    // Mid-run: once Kamailio has sent edge A a few calls, A is told to drain.
    for (let i = 0; i < 600 && cluster.kamailio.lines.filter((l) => inviteTo(a).test(l.text)).length < 8; i++) await new Promise((r) => setTimeout(r, 50));
    const termAtMs = Date.now();
    const kamailioLinesAtTerm = cluster.kamailio.lines.length;
    a.process.signal('SIGTERM');
    const result = await sipp;
    const aExit = await a.process.exited;

    // Kamailio learns that A drains from its OPTIONS probe (503) or from a 503 to an INVITE, whichever comes first.
    const down = cluster.kamailio.lines.findIndex((l, i) => i >= kamailioLinesAtTerm && new RegExp(`edge sip:127\\.0\\.0\\.1:${a.sipPort} is down$`).test(l.text));
    const aState = dispatcherStates(join(cluster.dir, 'kamailio.ctl')).get(`sip:127.0.0.1:${a.sipPort}`);
    const invitesToAAfterDown = cluster.kamailio.lines.slice(down + 1).filter((l) => inviteTo(a).test(l.text)).length;
    const invitesToA = cluster.kamailio.lines.filter((l) => inviteTo(a).test(l.text)).length;
    const invitesToB = cluster.kamailio.lines.filter((l) => inviteTo(b).test(l.text)).length;
    // Kamailio's lines reach this process through a pipe: a relay logged just before the SIGTERM may arrive up to a
    // few ms after it, so lines are placed by their arrival stamp with that slack.
    const aInvitesBeforeTerm = cluster.kamailio.lines.filter((l) => l.atMs <= termAtMs + 50 && inviteTo(a).test(l.text)).length;
    const events = await readTimeline(cluster.redis.url);
    const byEdge = callsByEdge(events);
    const started = [...byEdge.values()].flat();
    const ended = events.filter((e) => e.kind === 'callEnded');
    const aCalls = byEdge.get(a.id) ?? [];
    const report = {
      sipp: { ok: sippCount(result.out, 'Successful call'), failed: sippCount(result.out, 'Failed call') },
      callsPerEdge: Object.fromEntries([...byEdge].map(([id, calls]) => [id, calls.length])),
      invites: { toA: invitesToA, toB: invitesToB, toAAfterItWasDown: invitesToAAfterDown },
      drain: { aState, aCallsEndingAfterTerm: ended.filter((e) => aCalls.some((c) => c.callId === e.callId) && e.tsMs > termAtMs).length, aDownAfterMs: down >= 0 ? cluster.kamailio.lines[down].atMs - termAtMs : null, aExit, aCallsStartedAfterTerm: aCalls.filter((c) => c.tsMs > termAtMs).length, aInvitesBeforeTerm },
      endReasons: [...new Set(ended.map((e) => e.payload.reason))],
    };
    console.log(`cluster: ${JSON.stringify(report)}`);
    expect(result.status, result.out.slice(-2500)).toBe(0);
    expect(report.sipp).toEqual({ ok: CALLS, failed: 0 });
    expect(aCalls.length).toBeGreaterThan(0);
    expect((byEdge.get(b.id) ?? []).length).toBeGreaterThan(0);
    expect(started.length).toBe(CALLS);
    expect(new Set(started.map((e) => e.callId)).size).toBe(CALLS);
    // Every call ended once, by its caller's BYE, the drained edge's included.
    expect(ended.length).toBe(CALLS);
    expect(report.endReasons).toEqual(['caller_hangup']);
    // The drained edge started no call after SIGTERM, Kamailio saw it go down and sent it nothing after that.
    // A call's start is stamped after its INVITE's set-up, so one INVITE relayed just before SIGTERM may start just
    // after it (seen once in CI): what counts is that A took no more calls than Kamailio sent it before the SIGTERM.
    expect(aCalls.length).toBeLessThanOrEqual(report.drain.aInvitesBeforeTerm);
    expect(report.drain.aCallsEndingAfterTerm).toBeGreaterThan(0); // A had calls in progress when told to drain
    expect(down).toBeGreaterThanOrEqual(0);
    expect(invitesToAAfterDown).toBe(0);
    expect(aState).toMatch(/^I/); // still inactive: its probes keep failing
    expect(aExit).toBe(0);
    passed = true;
  });
});
