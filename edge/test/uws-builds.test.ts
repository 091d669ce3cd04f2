// The edge runs on the newest uWebSockets.js build whose native binary loads here, and says plainly when none does.
import { describe, expect, it } from 'vitest';
import { loadNewestUws, nativeUws, UWS_BUILDS, uwsBinaryName, type UwsBuild, type UwsModule } from '../src/server/uws.ts';

const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime ?? '0';
const [glibcMajor, glibcMinor] = glibc.split('.').map(Number);
const hostHasGlibc238 = glibcMajor > 2 || (glibcMajor === 2 && glibcMinor >= 38);
const fakeUws = { App: () => ({}) } as unknown as UwsModule;
const [next, current] = UWS_BUILDS;

describe('uWebSockets.js build choice', () => {
  it('names the binary by platform, CPU and Node module ABI', () => {
    expect(uwsBinaryName({ platform: 'linux', arch: 'x64', versions: { modules: '137' } })).toBe('uws_linux_x64_137.node');
  });

  it('offers the newer build first', () => {
    expect(UWS_BUILDS.map((b) => b.version)).toEqual(['20.57.0', '20.30.0']);
  });

  it('on this host, loads the newest build that links here and says why it passed the others over', () => {
    if (!hostHasGlibc238 && process.versions.modules !== '115') {
      // Node 22/24 on Debian 12 (npm run test:node-versions): neither build loads, and the error says why.
      expect(() => nativeUws()).toThrow(/GLIBC_2\.3[89].*uws_linux_x64_\d+\.node/);
      return;
    }
    const { build, skipped, uws } = nativeUws();
    expect(typeof uws.App).toBe('function');
    if (hostHasGlibc238) {
      expect(build.alias).toBe(next.alias);
      expect(skipped).toEqual([]);
    } else {
      // Debian 12 (glibc 2.36): v20.57 cannot link, so Node 20 runs on v20.30.
      expect(build.alias).toBe(current.alias);
      expect(skipped).toHaveLength(1);
      expect(skipped[0]).toMatch(/^uWebSockets\.js-next 20\.57\.0: .*GLIBC_2\.3[89]/);
    }
  });

  it('falls back to the older build when the newer one does not load', () => {
    const tried: string[] = [];
    const loaded = loadNewestUws(UWS_BUILDS, (build) => {
      tried.push(build.alias);
      if (build === next) throw new Error("/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.38' not found\n(stack)");
      return fakeUws;
    });
    expect(tried).toEqual([next.alias, current.alias]);
    expect(loaded.build).toBe(current);
    expect(loaded.skipped).toEqual(["uWebSockets.js-next 20.57.0: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.38' not found"]);
  });

  it('refuses a module that is not a uWebSockets.js binary', () => {
    const builds: UwsBuild[] = [{ alias: 'odd', version: '1', binaries: '.' }, current];
    const loaded = loadNewestUws(builds, (build) => (build.alias === 'odd' ? ({} as UwsModule) : fakeUws));
    expect(loaded.build).toBe(current);
    expect(loaded.skipped).toEqual(['odd 1: the binary has no App()']);
  });

  it('with no build that loads, fails with every reason and what to run it on', () => {
    const load = (build: UwsBuild): UwsModule => { throw new Error(`Cannot find module '${build.alias}/uws_linux_x64_999.node'`); };
    expect(() => loadNewestUws(UWS_BUILDS, load)).toThrow(
      /no uWebSockets\.js build loads on Node v[\d.]+ \(ABI \d+, linux-x64\): uWebSockets\.js-next 20\.57\.0: Cannot find module .*; uWebSockets\.js 20\.30\.0: Cannot find module .*Node 20 \(any glibc\) or on Node 22\/24 with glibc >= 2\.38/,
    );
  });
});
