// `invorto bench control`: the control plane's read paths with 100,000 calls: GET /v1/calls (filtered, paginated)
// and the edge's agent look-up (cold: a fresh edge's first; warm: cached), on SQLite and on PostgreSQL, against
// the hand-written server of before the rewrite (commit 2b1f514^) where it had the route, in the same run.
import { parseArgs } from 'node:util';
import { progress, writeReport, type Row } from '../report.ts';
import { postgresBinDir, startPostgres, type RunningPostgres } from '../../../control/test/helpers/postgres.ts';
import { getJson, timeRuns, type Latency } from '../control/latency.ts';
import { LIST_CASES } from '../control/list-cases.ts';
import { startNewControl } from '../control/new-control.ts';
import { startOldControl } from '../control/old-control.ts';
import { measureAgentLookups, type LookupResult } from '../control/agent-lookups.ts';

interface Measured { case: string; server: 'rewrite' | 'hand-written'; database: string; latency: Latency | null; note?: string }

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: {
    calls: { type: 'string', default: '100000' }, runs: { type: 'string', default: '200' },
    'no-postgres': { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
  } });
  if (values.help) {
    console.log('usage: invorto bench control [--calls 100000] [--runs 200] [--no-postgres] [--json]');
    return;
  }
  const calls = Math.max(100, Number(values.calls) || 100_000);
  const runs = Math.max(10, Number(values.runs) || 200);
  const seed = 11;
  const measured: Measured[] = [];
  const seedTimes: Row[] = [];

  // The hand-written server first: SQLite only, as it was.
  console.error(`hand-written control (${'2b1f514^'}), SQLite, ${calls} calls`);
  let seedStart = performance.now();
  const old = await startOldControl(calls, seed, (d, t) => progress('  insert calls', d, t));
  seedTimes.push({ server: 'hand-written', database: 'sqlite', calls, 'startS (with migrations) + insertS': (performance.now() - seedStart) / 1000 });
  try {
    const headers = { authorization: `Bearer ${old.apiKey}` };
    for (const c of LIST_CASES) {
      if (!c.oldQuery) continue;
      const latency = await timeRuns(runs, 20, async () => { await getJson(`${old.url}/v1/calls?${c.oldQuery}`, headers); }, (d, t) => progress(`  ${c.name}`, d, t));
      measured.push({ case: `GET /v1/calls: ${c.name}`, server: 'hand-written', database: 'sqlite', latency });
    }
    measured.push(...lookupRows(await measureAgentLookups(() => old.agentSource(), runs), 'hand-written', 'sqlite'));
  } finally {
    await old.close();
  }

  const databases: { name: string; url?: string }[] = [{ name: 'sqlite' }];
  let postgres: RunningPostgres | null = null;
  if (!values['no-postgres']) {
    if (postgresBinDir()) {
      postgres = await startPostgres();
      databases.push({ name: 'postgres', url: postgres.url });
    } else {
      console.error('PostgreSQL is not installed (apt-get install postgresql): the PostgreSQL rows are skipped');
    }
  }
  try {
    for (const database of databases) {
      console.error(`rewritten control, ${database.name}, ${calls} calls`);
      seedStart = performance.now();
      const now = await startNewControl({ databaseUrl: database.url, calls, seed, onProgress: (d, t) => progress('  insert calls', d, t) });
      seedTimes.push({ server: 'rewrite', database: database.name, calls, 'startS (with migrations) + insertS': (performance.now() - seedStart) / 1000 });
      try {
        const headers = { authorization: `Bearer ${now.apiKey}` };
        for (const c of LIST_CASES) {
          const pageUrls = await pagesOf(`${now.control.url}/v1/calls?${c.query}`, c.pages, headers);
          const latency = await timeRuns(runs, 20, async (i) => { await getJson(pageUrls[i % pageUrls.length], headers); }, (d, t) => progress(`  ${c.name}`, d, t));
          measured.push({ case: `GET /v1/calls: ${c.name}`, server: 'rewrite', database: database.name, latency });
        }
        measured.push(...lookupRows(await measureAgentLookups(() => newAgentSource(now.control.internalUrl, now.internalToken), runs), 'rewrite', database.name));
      } finally {
        await now.close();
      }
    }
  } finally {
    postgres?.stop();
  }

  const rows = tableRows(measured);
  const data = { calls, runs, measured, seedTimes };
  if (values.json) {
    console.log(JSON.stringify(data));
    return;
  }
  writeReport('control', `Control plane: call lists over ${calls.toLocaleString('en')} calls and the edge's agent look-up`, data, {
    [`Latency, one request at a time (${runs} timed runs after 20 warm-up; ratio = this row's p50 / the hand-written server's p50 on the same case)`]: rows,
    'Starting each server and inserting its calls (batched, in one transaction)': seedTimes,
  });
}

/** The URLs of the first `pages` pages of a list (each page's cursor comes from the one before). */
async function pagesOf(first: string, pages: number, headers: Record<string, string>): Promise<string[]> {
  const urls = [first];
  for (let page = 1; page < pages; page++) {
    const body = await getJson(urls[page - 1], headers);
    if (!body.nextCursor) break;
    urls.push(`${first}&cursor=${encodeURIComponent(body.nextCursor)}`);
  }
  return urls;
}

async function newAgentSource(internalUrl: string, token: string) {
  const { ControlAgentSource } = await import('@invorto/edge/agents/agent-source.ts');
  // The change feed is not what is measured: poll it rarely.
  return new (ControlAgentSource as unknown as new (url: string, token: string, options?: object) => { get(t: string, a: string): Promise<unknown>; close?(): void })(internalUrl, token, { pollMs: 3_600_000 });
}

function lookupRows(result: LookupResult, server: Measured['server'], database: string): Measured[] {
  return [
    { case: 'agent look-up, cold (a fresh edge cache: first look-up)', server, database, latency: result.cold, note: result.error },
    { case: 'agent look-up, warm (cached on the edge)', server, database, latency: result.warm, note: result.error },
  ];
}

function ratio(m: Measured, base: number | undefined): string {
  if (m.server === 'hand-written') return m.latency ? '1.00x' : '';
  if (!m.latency) return '';
  if (base === undefined) return 'no such route before';
  // A cached look-up takes about a microsecond either way: a ratio of two timer ticks says nothing.
  if (base < 0.01 || m.latency.p50Ms < 0.01) return 'both under 10 µs';
  return `${(m.latency.p50Ms / base).toFixed(2)}x`;
}

function tableRows(measured: Measured[]): Row[] {
  const oldP50 = new Map(measured.filter((m) => m.server === 'hand-written' && m.latency).map((m) => [m.case, m.latency!.p50Ms]));
  return measured.map((m) => {
    const base = oldP50.get(m.case);
    return {
      case: m.case, server: m.server, database: m.database,
      p50Ms: m.latency?.p50Ms ?? null, p99Ms: m.latency?.p99Ms ?? null,
      'p50 vs hand-written': ratio(m, base),
      note: m.note ?? '',
    };
  });
}
