#!/usr/bin/env node
// Prints the initial JavaScript of the build, gzipped: the entry chunk and the chunks it imports statically (what a
// first visit downloads before any page). Pages load later, each in its own chunk. Fails past the 350 KB budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET_KB = 350;
const dist = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'dist');
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));
const initial = new Set();
const visit = (key) => {
  const chunk = manifest[key];
  if (!chunk || initial.has(chunk.file)) return;
  initial.add(chunk.file);
  for (const next of chunk.imports ?? []) visit(next);
};
for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const initialKb = [...initial].reduce((sum, f) => sum + gz(f), 0) / 1024;
const all = new Set(Object.values(manifest).map((c) => c.file).filter((f) => f.endsWith('.js')));
const allKb = [...all].reduce((sum, f) => sum + gz(f), 0) / 1024;
console.error(`[dashboard] initial JS ${initialKb.toFixed(1)} KB gzipped (${initial.size} chunks; budget ${BUDGET_KB} KB); all JS ${allKb.toFixed(1)} KB in ${all.size} chunks`);
if (initialKb > BUDGET_KB) {
  console.error(`[dashboard] initial JS is over the ${BUDGET_KB} KB budget: split the page that grew (React.lazy) or drop a dependency`);
  process.exit(1);
}
