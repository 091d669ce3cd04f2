#!/usr/bin/env node
// Refreshes dashboard/openapi.json from a control started on a throwaway data dir, then regenerates
// src/api/schema.d.ts from it (openapi-typescript). Run after changing control's routes: `npm run api -w dashboard`.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(here, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'invorto-api-'));
const control = spawn(process.execPath, [join(root, 'bin/invorto.js'), 'control', '--data-dir', dataDir, '--control-port', '0', '--internal-port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const url = await new Promise((ok, fail) => {
    let out = '';
    control.stdout.on('data', (chunk) => { out += chunk; const m = /listening on (http:\/\/[\d.:]+)/.exec(out); if (m) ok(m[1]); });
    control.on('exit', (code) => fail(new Error(`control exited (${code}) before listening`)));
  });
  const document = await (await fetch(`${url}/openapi.json`)).json();
  writeFileSync(join(here, 'openapi.json'), `${JSON.stringify(document, null, 2)}\n`);
  const generator = [here, root].map((d) => join(d, 'node_modules/.bin/openapi-typescript')).find((f) => existsSync(f));
  execFileSync(generator, ['openapi.json', '-o', 'src/api/schema.d.ts'], { cwd: here, stdio: 'inherit' });
} finally {
  control.kill();
  rmSync(dataDir, { recursive: true, force: true });
}
