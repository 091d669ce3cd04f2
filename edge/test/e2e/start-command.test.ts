// `invorto start` (what `npm start` runs) brings up control and edge, answers /health on both, and stops on SIGTERM.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnInvorto } from '../helpers/invorto-process.ts';

describe('invorto start', () => {
  it('serves /health on control and edge, and exits cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-start-'));
    const invorto = spawnInvorto(['start', '--control-port', '0', '--edge-port', '0', '--sip-port', '0', '--data-dir', dataDir], { INVORTO_LOG_LEVEL: 'warn' });
    try {
      const deadline = Date.now() + 60_000;
      while (!/Invorto is running/.test(invorto.output()) || !/media/.test(invorto.output())) {
        if (Date.now() > deadline || invorto.child.exitCode !== null) throw new Error(`invorto start did not come up:\n${invorto.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const control = /control\s+(http:\/\/\S+)/.exec(invorto.output())![1];
      const edge = /edge\s+(http:\/\/\S+)/.exec(invorto.output())![1];
      expect(await (await fetch(`${control}/health`)).json()).toMatchObject({ status: 'ok', service: 'control' });
      expect(await (await fetch(`${edge}/health`)).json()).toMatchObject({ status: 'ok', service: 'edge' });
      const metrics = await (await fetch(`${edge}/metrics`)).text();
      expect(metrics).toContain('invorto_active_calls');
      expect(invorto.output()).toMatch(/API key\s+ivk_/);
      expect(await invorto.stop()).toBe(0);
    } finally {
      invorto.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
