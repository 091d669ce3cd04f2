#!/usr/bin/env node
// Builds what is stale: the dsp WASM module, the protobuf code, the generated test corpus and the dashboard. `--if-stale` skips
// up-to-date steps; without it every step runs. Each step names its inputs and outputs, so staleness is a file-time comparison.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const onlyIfStale = process.argv.includes('--if-stale');
const bin = (name) => join(root, 'node_modules', '.bin', name);

function newestMtimeMs(paths) {
  let newest = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const st = statSync(p);
    if (st.isDirectory()) newest = Math.max(newest, newestMtimeMs(readdirSync(p).map((f) => join(p, f))));
    else newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

function oldestMtimeMs(paths) {
  let oldest = Infinity;
  for (const p of paths) oldest = existsSync(p) ? Math.min(oldest, statSync(p).mtimeMs) : 0;
  return oldest;
}

const protoFiles = () => readdirSync(join(root, 'proto')).filter((f) => f.endsWith('.proto')).map((f) => join(root, 'proto', f));

const steps = [
  {
    name: 'dsp wasm (release + debug)',
    inputs: () => [join(root, 'dsp/assembly'), join(root, 'asconfig.json')],
    outputs: [join(root, 'dsp/build/release.wasm'), join(root, 'dsp/build/debug.wasm')],
    run() {
      for (const target of ['release', 'debug']) {
        execFileSync(bin('asc'), ['--config', 'asconfig.json', '--target', target], { cwd: root, stdio: 'inherit' });
      }
    },
  },
  {
    name: 'protobuf code',
    inputs: protoFiles,
    outputs: [join(root, 'proto/gen/invorto.js'), join(root, 'proto/gen/invorto.d.ts')],
    run() {
      mkdirSync(join(root, 'proto/gen'), { recursive: true });
      const files = protoFiles();
      execFileSync(bin('pbjs'), ['-t', 'static-module', '-w', 'es6', '--force-number', '-o', 'proto/gen/invorto.js', ...files], { cwd: root, stdio: 'inherit' });
      execFileSync(bin('pbts'), ['-o', 'proto/gen/invorto.d.ts', 'proto/gen/invorto.js'], { cwd: root, stdio: 'inherit' });
    },
  },
  {
    // After the WASM: the generator resamples with it. Seeded, so a rebuild writes the same bytes. The corpus is
    // committed (a test checks the generator still makes it byte for byte), so a build makes it only when it is
    // missing: the Flite worker the generator speaks with can crash (below), and a clone must build every time.
    // After changing the generator: `node scripts/make-fixtures.mjs corpus`, then commit corpus/.
    name: 'test corpus (corpus/: speech in noise, RTP traces)',
    onlyIfMissing: true,
    inputs: () => [
      'scripts/make-fixtures.mjs', 'edge/src/sim/fixture-corpus.ts', 'edge/src/sim/flite-voice.ts', 'edge/src/providers/offline/flite-worker.mjs',
      'dsp/src/noise.ts', 'dsp/src/seeded-random.ts', 'dsp/src/synthetic-trace.ts', 'dsp/src/wav.ts', 'dsp/src/g711.ts', 'dsp/src/resampler.ts', 'dsp/src/resampler-design.ts', 'dsp/build/release.wasm',
    ].map((f) => join(root, f)),
    outputs: [join(root, 'corpus/vad/index.json'), join(root, 'corpus/rtp/repo-profiles.json')],
    run() {
      // The Flite (WASI) worker sometimes dies with SIGSEGV after a dozen sentences on Node 20 (one run in five to
      // seven here): every run writes the same bytes, so a run killed by a signal is simply run again.
      for (let attempt = 1; ; attempt++) {
        try {
          execFileSync(process.execPath, [join(root, 'scripts/make-fixtures.mjs'), 'corpus'], { cwd: root, stdio: 'inherit' });
          return;
        } catch (error) {
          if (!error.signal || attempt === 4) throw error;
          console.error(`[build] the corpus generator died with ${error.signal} (attempt ${attempt} of 4); running it again`);
        }
      }
    },
  },
  {
    // The web dashboard control serves at `/`: static files from Vite, with the initial bundle size printed.
    name: 'dashboard (dashboard/dist)',
    inputs: () => ['dashboard/src', 'dashboard/index.html', 'dashboard/vite.config.ts', 'dashboard/package.json', 'proto/src/agent-config.ts'].map((f) => join(root, f)),
    outputs: [join(root, 'dashboard/dist/index.html')],
    run() {
      execFileSync(bin('vite'), ['build', '--logLevel', 'warn'], { cwd: join(root, 'dashboard'), stdio: 'inherit' });
      execFileSync(process.execPath, [join(root, 'dashboard/scripts/bundle-size.mjs')], { cwd: root, stdio: 'inherit' });
    },
  },
];

for (const step of steps) {
  const stale = step.onlyIfMissing ? !step.outputs.every((f) => existsSync(f)) : oldestMtimeMs(step.outputs) < newestMtimeMs(step.inputs());
  if ((onlyIfStale || step.onlyIfMissing) && !stale) continue;
  const started = Date.now();
  step.run();
  console.error(`[build] ${step.name}: ${Date.now() - started} ms`);
}
