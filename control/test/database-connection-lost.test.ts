// PostgreSQL ends control's connections (a restart, a failover, an operator's pg_terminate_backend): control logs it,
// opens new ones and goes on serving. Before, the pool's unheard 'error' event threw (an unhandled error here; a
// crashed control in production).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { startTestControl, type TestControl } from './helpers/test-control.ts';

const postgresUrl = inject('postgresUrl');
const settle = () => new Promise((resolve) => setTimeout(resolve, 300)); // the ended connections' errors reach the pool

describe.skipIf(!postgresUrl)('control on PostgreSQL when its connections are ended', () => {
  let t: TestControl;
  let admin: pg.Client;
  beforeAll(async () => {
    t = await startTestControl('postgres');
    admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
  });
  afterAll(async () => { await admin?.end(); await t?.close(); });

  /** Ends every connection to control's database, as a server restart would, and says how many it ended. */
  async function endControlConnections(): Promise<number> {
    const name = new URL(t.databaseUrl!).pathname.slice(1);
    const { rows } = await admin.query('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = $1', [name]);
    return rows.filter((r) => r.ended).length;
  }
  const sixRequests = async () => (await Promise.all(Array.from({ length: 6 }, () => t.api('/v1/agents')))).map((r) => r.status);

  it('answers the next requests after its idle connections were ended, twice over', async () => {
    expect(await sixRequests()).toEqual(Array(6).fill(200)); // several at once: the pool holds several idle connections
    for (let round = 0; round < 2; round++) {
      expect(await endControlConnections()).toBeGreaterThan(0);
      await settle();
      expect(await sixRequests()).toEqual(Array(6).fill(200));
    }
  });
});
