// Files stay small: a source file over 300 lines does several jobs (edge/src/runtime/call.ts hid a deaf call that
// way). Generated declarations (.d.ts: the protobuf and OpenAPI types) are not written by hand and not counted.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const MAX_LINES = 300;
const SOURCE_DIRS = ['edge/src', 'edge/testing', 'control/src', 'dsp/src', 'dsp/assembly', 'proto/src', 'proto/artifacts/src', 'dashboard/src', 'bin'];
const isSource = (name: string) => /\.(ts|tsx|mjs)$/.test(name) && !name.endsWith('.d.ts');

function* sourceFiles(dir: string): Generator<string> {
  let names: string[];
  try { names = readdirSync(dir); } catch { return; } // a folder a package does not have
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (isSource(name)) yield path;
  }
}

it(`keeps every hand-written source file within ${MAX_LINES} lines`, () => {
  const files = SOURCE_DIRS.flatMap((dir) => [...sourceFiles(join(root, dir))]);
  expect(files.length).toBeGreaterThan(300); // the folders were found
  const over = files
    .map((file) => ({ file: relative(root, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > MAX_LINES);
  expect(over).toEqual([]);
});
