// The hand-written control server as it was before the Fastify rewrite (commit 2b1f514^), loaded from git at bench
// time into a temporary folder (node_modules linked to this checkout's), so both run in the same process and run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { syntheticCallRows } from '@invorto/control/modules/calls/synthetic-calls.ts';

export const OLD_COMMIT = '2b1f514^';
const FILES = ['control/src/db.ts', 'control/src/call-records.ts', 'control/src/http-server.ts', 'edge/src/agents/agent-source.ts'];
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface OldControl {
  url: string;
  apiKey: string;
  internalToken: string;
  /** The edge's agent source as it was then (cached 10 s per agent). */
  agentSource(): { get(tenantId: string, agentId: string): Promise<unknown> };
  close(): Promise<void>;
}

export async function startOldControl(calls: number, seed: number, onProgress?: (done: number, total: number) => void): Promise<OldControl> {
  const dir = mkdtempSync(join(tmpdir(), 'invorto-old-control-'));
  for (const file of FILES) {
    const text = execFileSync('git', ['show', `${OLD_COMMIT}:${file}`], { cwd: repoRoot, encoding: 'utf8' });
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  const { ControlDb } = await import(join(dir, 'control/src/db.ts')) as { ControlDb: new (file: string) => { seedDefaults(): { tenantId: string; apiKey: string | null }; close(): void } };
  const { ControlServer } = await import(join(dir, 'control/src/http-server.ts')) as { ControlServer: new (o: object) => { listen(): Promise<void>; close(): Promise<void>; url: string } };
  const { ControlAgentSource } = await import(join(dir, 'edge/src/agents/agent-source.ts')) as { ControlAgentSource: new (url: string, token: string) => { get(t: string, a: string): Promise<unknown> } };
  const file = join(dir, 'data', 'invorto.db');
  const db = new ControlDb(file);
  const { tenantId, apiKey } = db.seedDefaults();
  // Its calls table, filled the way the new one is (same calls, same batch inserts), through a second connection.
  const sqlite = new Database(file);
  insertOldCalls(sqlite, tenantId, calls, seed, onProgress);
  sqlite.close();
  const internalToken = 'bench-internal-token';
  const server = new ControlServer({ db, host: '127.0.0.1', port: 0, internalToken });
  await server.listen();
  return {
    url: server.url, apiKey: apiKey!, internalToken,
    agentSource: () => new ControlAgentSource(server.url, internalToken),
    async close() {
      await server.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function insertOldCalls(sqlite: Database.Database, tenantId: string, count: number, seed: number, onProgress?: (done: number, total: number) => void): void {
  const insert = sqlite.prepare(`INSERT INTO calls (id, tenant_id, agent_id, transport, started_at, ended_at, outcome, duration_s, turns,
    llm_input_tokens, llm_output_tokens, tts_characters, asr_audio_s, llm_model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  sqlite.transaction(() => {
    let done = 0;
    for (const r of syntheticCallRows({ tenantId, count, seed })) {
      insert.run(r.id, r.tenant_id, r.agent_id, r.transport, new Date(r.started_at).toISOString(), new Date(Number(r.ended_at)).toISOString(), r.outcome,
        r.duration_s, r.turns, r.llm_input_tokens, r.llm_output_tokens, r.tts_characters, r.asr_audio_s, r.llm_model);
      if (++done % 5000 === 0 || done === count) onProgress?.(done, count);
    }
  })();
}
