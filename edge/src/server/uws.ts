// Two builds of uWebSockets.js are installed under npm aliases, and the edge runs on the newest one whose native
// binary loads on this host: `uWebSockets.js-next` (v20.57: Node 20/22/24/25, but linked against glibc >= 2.38, so
// Debian 13 / Ubuntu 24.04 and later) and `uWebSockets.js` (v20.30: Node 20 only, any glibc since Debian 11). The
// binaries are required directly, not through the packages' entry points: v20.30's entry point silently falls back
// to a slow `ws` shim when its binary does not load, and the edge's latency budget assumes the native server.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as UwsTypes from 'uWebSockets.js';

export type * as uWS from 'uWebSockets.js';
export type UwsModule = typeof UwsTypes;

export interface UwsBuild {
  /** The npm name it is installed under. */
  alias: string;
  version: string;
  /** Where the native binaries sit, relative to the folder of the package's `require` entry point. */
  binaries: string;
}

/** Newest first: the first one that loads is used. */
export const UWS_BUILDS: readonly UwsBuild[] = [
  { alias: 'uWebSockets.js-next', version: '20.57.0', binaries: '.' },
  { alias: 'uWebSockets.js', version: '20.30.0', binaries: '../binaries' },
];

export interface LoadedUws {
  uws: UwsModule;
  build: UwsBuild;
  /** Why each newer build was passed over (empty when the newest loaded). */
  skipped: string[];
}

/** The native binary's file name for this process: platform, CPU and Node's module ABI (115 = Node 20, 127 = 22…). */
export const uwsBinaryName = (runtime: Pick<NodeJS.Process, 'platform' | 'arch'> & { versions: { modules: string } } = process) =>
  `uws_${runtime.platform}_${runtime.arch}_${runtime.versions.modules}.node`;

/**
 * Loads the newest build that works here. `load` (a build's binary path → module) is the seam tests use to play a
 * host where a build is missing or its binary does not link.
 */
export function loadNewestUws(builds: readonly UwsBuild[] = UWS_BUILDS, load: (build: UwsBuild) => UwsModule = requireBinary): LoadedUws {
  const skipped: string[] = [];
  for (const build of builds) {
    try {
      const uws = load(build);
      if (typeof uws?.App !== 'function') throw new Error('the binary has no App()');
      return { uws, build, skipped };
    } catch (error) {
      skipped.push(`${build.alias} ${build.version}: ${firstLine(error)}`);
    }
  }
  throw new Error(
    `no uWebSockets.js build loads on Node ${process.version} (ABI ${process.versions.modules}, ${process.platform}-${process.arch}): ` +
      `${skipped.join('; ')}. Run the edge on Node 20 (any glibc) or on Node 22/24 with glibc >= 2.38 (Debian 13, ` +
      'Ubuntu 24.04), and run `npm ci` on this host so both builds are installed.',
  );
}

function requireBinary(build: UwsBuild): UwsModule {
  const require = createRequire(import.meta.url);
  const entry = require.resolve(build.alias);
  return require(join(dirname(entry), build.binaries, uwsBinaryName())) as UwsModule;
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];

let loaded: LoadedUws | null = null;

/** The native uWebSockets.js for this process (loaded once), or a clear error when no build loads here. */
export function nativeUws(): LoadedUws {
  if (process.env.UWS_USE_FALLBACK) throw new Error('UWS_USE_FALLBACK is set: the edge does not run on the slow ws fallback of uWebSockets.js');
  loaded ??= loadNewestUws();
  return loaded;
}
