// `invorto start` (what `npm start` runs) brings up control and edge, answers /health on both, and stops on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

describe('invorto start', () => {
  it('serves /health on control and edge, and exits cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-start-'));
    const child = spawn(process.execPath, [join(root, 'bin/invorto.js'), 'start', '--control-port', '0', '--edge-port', '0', '--sip-port', '0', '--data-dir', dataDir], {
      cwd: root, env: { ...process.env, INVORTO_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    try {
      const deadline = Date.now() + 60_000;
      while (!/Invorto is running/.test(output) || !/media/.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`invorto start did not come up:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const control = /control\s+(http:\/\/\S+)/.exec(output)![1];
      const edge = /edge\s+(http:\/\/\S+)/.exec(output)![1];
      expect(await (await fetch(`${control}/health`)).json()).toMatchObject({ status: 'ok', service: 'control' });
      expect(await (await fetch(`${edge}/health`)).json()).toMatchObject({ status: 'ok', service: 'edge' });
      const metrics = await (await fetch(`${edge}/metrics`)).text();
      expect(metrics).toContain('invorto_active_calls');
      expect(output).toMatch(/API key\s+ivk_/);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
