// Vitest global setup: one PostgreSQL for the whole run (each test control gets a database of its own in it).
// Without PostgreSQL installed the PostgreSQL half of the control suite is skipped with a message, except in CI,
// where that would hide a missing install step: there it fails.
import type { TestProject } from 'vitest/node';
import { postgresBinDir, startPostgres, type RunningPostgres } from './helpers/postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext { postgresUrl: string }
}

let running: RunningPostgres | null = null;

export async function setup(project: TestProject): Promise<void> {
  if (!postgresBinDir()) {
    if (process.env.CI) throw new Error('PostgreSQL is not installed (apt-get install postgresql): the control suite must run on it in CI');
    console.warn('[test] PostgreSQL is not installed (apt-get install postgresql): control tests run on SQLite only');
    project.provide('postgresUrl', '');
    return;
  }
  running = await startPostgres();
  project.provide('postgresUrl', running.url);
}

export async function teardown(): Promise<void> {
  running?.stop();
  running = null;
}
