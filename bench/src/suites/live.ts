// `invorto bench live`: what watching a call live costs its edge. The same calls on a real edge with a real
// redis-server are measured in turns, every call unwatched then every call watched (the baseline is the unwatched
// window of the same round); the extra CPU of the edge process is reported per watched call per second of call, with
// the messages each watched call got a second. The stated bound is in docs/dashboard.md.
import { parseArgs } from 'node:util';
import { startWatchRig, type WatchWindow } from '@invorto/edge/testing/live/watch-rig.ts';
import { progress, writeReport, type Row } from '../report.ts';

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { calls: { type: 'string', default: '60' }, rounds: { type: 'string', default: '8' }, 'window-ms': { type: 'string', default: '3000' } } });
  const calls = Number(values.calls);
  const rounds = Number(values.rounds);
  const windowMs = Number(values['window-ms']);
  // Each round: two windows plus the settling around them; the calls outlast every round.
  const rig = await startWatchRig(calls, 12_000 + rounds * 2 * (windowMs + 1500) + 10_000);
  const windows: WatchWindow[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      progress('bench live', round, rounds);
      windows.push(await rig.measure(windowMs));
    }
    progress('bench live', rounds, rounds);
  } finally {
    await rig.close();
  }
  const seconds = windowMs / 1000;
  const row = (label: string | number, w: WatchWindow): Row => ({
    round: label,
    'edge CPU unwatched, % of a core': w.unwatchedUs / seconds / 1e4,
    'edge CPU watched, % of a core': w.watchedUs / seconds / 1e4,
    'watched / unwatched CPU': w.watchedUs / w.unwatchedUs,
    'µs CPU per watched call per s': w.perCallUs,
    'messages per call per s': w.messagesPerCallPerSecond,
    'published while unwatched': w.publishedUnwatched,
  });
  // The callers share the process and the host is rarely quiet, so single windows scatter (even below zero): the
  // summary is the round whose cost is the median, a real pair of windows rather than medians of separate columns.
  const byCost = [...windows].sort((a, b) => a.perCallUs - b.perCallUs);
  const mean = (pick: (w: WatchWindow) => number) => windows.reduce((sum, w) => sum + pick(w), 0) / windows.length;
  const meanWindow: WatchWindow = {
    unwatchedUs: mean((w) => w.unwatchedUs), watchedUs: mean((w) => w.watchedUs), publishedUnwatched: mean((w) => w.publishedUnwatched),
    messagesPerCallPerSecond: mean((w) => w.messagesPerCallPerSecond), perCallUs: mean((w) => w.perCallUs),
  };
  const rows = [...windows.map((w, i) => row(i + 1, w)), row('median round', byCost[Math.floor(byCost.length / 2)]), row('mean of rounds', meanWindow)];
  writeReport('live', `Watching calls live: ${calls} calls, ${rounds} rounds of ${windowMs} ms unwatched then watched (baseline: the unwatched window)`, { calls, rounds, windowMs, windows, meanPerCallUs: meanWindow.perCallUs, costRangeUs: [byCost[0].perCallUs, byCost[byCost.length - 1].perCallUs] }, { 'Per round': rows });
}
