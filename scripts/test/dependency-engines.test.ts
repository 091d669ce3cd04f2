// The project runs on Node 20, 22 and 24 (package.json engines). A package in the lock that declares it needs a newer
// Node than the lowest of any of those lines is an error here (npm only warns): pick a release that declares the
// lowest, as with the S3 test server (@20minutes/s3rver 4, not 5, which declares Node >= 24).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

interface LockEntry { engines?: { node?: string } | string[]; dev?: boolean; link?: boolean }

function nodeRangeOf(entry: LockEntry): string | null {
  const engines = entry.engines;
  if (!engines || Array.isArray(engines)) return null;
  return engines.node ?? null;
}

describe('dependency engines', () => {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const supported = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node as string;
  /** The lowest release of each Node line the project accepts (20.19.0, 22.13.0, 24.0.0). */
  const lowestOfEachLine = supported.split('||').map((line) => semver.minVersion(line.trim())!.version);

  it('accepts Node 20, 22 and 24', () => {
    expect(lowestOfEachLine.map((v) => semver.major(v))).toEqual([20, 22, 24]);
  });

  it('every package in the lock runs on the lowest release of every Node line the project supports', () => {
    const refused: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = nodeRangeOf(entry);
      if (!path || !range) continue;
      for (const version of lowestOfEachLine) {
        if (!semver.satisfies(version, range, { includePrerelease: true })) refused.push(`${path} wants node ${range}, refuses ${version}`);
      }
    }
    expect(refused, `package.json engines ${supported}`).toEqual([]);
  });
});

describe('the Node 22/24 run (vitest.node-versions.config.ts)', () => {
  it('leaves out only test files that exist (a renamed file would otherwise run, and fail, without saying why)', async () => {
    const { EDGE_SERVER_TESTS } = await import('../../vitest.node-versions.config.ts');
    expect(EDGE_SERVER_TESTS.length).toBeGreaterThan(0);
    for (const file of EDGE_SERVER_TESTS) expect(existsSync(join(root, file)), file).toBe(true);
  });
});
