#!/usr/bin/env node
// Generates the repository's own labelled test corpus (edge/src/sim/fixture-corpus.ts) into a folder, `corpus/` by
// default: speech-in-noise clips and RTP arrival traces, seeded, so every run writes the same bytes.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = resolve(root, process.argv[2] ?? 'corpus');
register();
const { writeFixtureCorpus } = await import('../edge/src/sim/fixture-corpus.ts');
const started = Date.now();
const { files, bytes } = await writeFixtureCorpus(dir);
console.error(`[fixtures] ${files} files, ${(bytes / 1e6).toFixed(2)} MB in ${dir} (${Date.now() - started} ms)`);
