#!/usr/bin/env node
// `npm test`: checks the system tools the tests rely on, then runs vitest and prints one closing summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Each tool: what needs it and the Debian package that provides it (.ci/run installs them all).
const tools = [
  { bin: 'pocketsphinx_continuous', pkg: 'pocketsphinx pocketsphinx-en-us', for: 'offline speech recognition tests' },
  { bin: 'sox', pkg: 'sox', for: 'resampler quality tests' },
  { bin: 'sipp', pkg: 'sip-tester', for: 'the SIP interop test' },
  { bin: 'promtool', pkg: 'prometheus', for: 'the alert-rule checks and unit tests' },
  { bin: 'redis-server', pkg: 'redis-server', for: 'tests against a local Redis' },
  { bin: 'initdb', probe: 'ls /usr/lib/postgresql/*/bin/initdb', pkg: 'postgresql', for: 'the control suite on PostgreSQL (it runs on SQLite alone without it, except in CI)' },
  { bin: 'pdftotext', pkg: 'poppler-utils', for: 'the invoice PDF checks' },
];
const found = (t) => spawnSync('sh', ['-c', t.probe ?? `command -v ${t.bin}`], { encoding: 'utf8' }).stdout.trim();
const missing = tools.filter((t) => !found(t));
for (const t of missing) {
  console.warn(`[test] missing ${t.bin} (${t.for}): apt-get install ${t.pkg}. Tests that need it report themselves as skipped.`);
}

// The package boundaries (.dependency-cruiser.cjs): a violation fails the run, after the tests have run.
const cruised = ['dsp/src', 'dsp/test', 'proto', 'edge/src', 'edge/test', 'edge/testing', 'control/src', 'control/test', 'bin', 'bench/src', 'bench/test', 'scripts'];
const boundaries = spawnSync(join(root, 'node_modules/.bin/depcruise'), ['--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...cruised.filter((d) => existsSync(join(root, d)))], { cwd: root, stdio: 'inherit' });
if (boundaries.status !== 0) console.error('[test] package boundaries violated (above): see .dependency-cruiser.cjs');

const reportDir = join(root, '.tmp');
mkdirSync(reportDir, { recursive: true });
const reportFile = join(reportDir, 'vitest-report.json');
const failuresFile = join(reportDir, 'vitest-failures.txt');
rmSync(failuresFile, { force: true });
const failureReporter = join(root, 'scripts/vitest-failure-summary.mjs');
const args = ['run', '--reporter=default', '--reporter=json', `--reporter=${failureReporter}`, `--outputFile.json=${reportFile}`, ...process.argv.slice(2)];
// A reporter named on the command line gets no options: it is told where to write through the environment.
process.env.INVORTO_TEST_FAILURES_FILE = failuresFile;
const result = spawnSync(join(root, 'node_modules/.bin/vitest'), args, { cwd: root, stdio: 'inherit' });

if (existsSync(reportFile)) {
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  console.log(`\nTests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
}
// What failed, last, so the end of a CI log names it.
const failures = existsSync(failuresFile) ? readFileSync(failuresFile, 'utf8') : '';
if (failures) console.log(`\nWhat failed:\n${failures}`);
if (boundaries.status !== 0) console.log('Boundaries: violated (dependency-cruiser, above)');
process.exit(boundaries.status !== 0 ? 1 : (result.status ?? 1));
