// uWebSockets.js is installed through an npm alias that silently falls back to a slow `ws` shim when its native
// binary does not match this Node. Refuse to run on the shim: the edge's latency budget assumes the native server.
import { createRequire } from 'node:module';
import uWS from 'uWebSockets.js';

export { uWS };

export function assertNativeUws(): void {
  const require = createRequire(import.meta.url);
  const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  let loaded = false;
  try {
    const native = require(`uWebSockets.js/binaries/${binary}`);
    loaded = native === uWS || native.App === uWS.App;
  } catch {
    loaded = false;
  }
  if (!loaded || process.env.UWS_USE_FALLBACK) {
    throw new Error(
      `uWebSockets.js native binary ${binary} is not in use (Node ${process.version}, ABI ${process.versions.modules}); ` +
        'the edge will not run on the slow fallback. Use Node 20 (ABI 115), as in package.json "engines".',
    );
  }
}
