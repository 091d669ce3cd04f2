// The images' runtime layout, tried without Docker: a folder is filled the way each Dockerfile's last two stages
// fill /app (node_modules pruned to the workspaces it names, tsx kept, then the COPY --from=build paths), and the
// service is started from it with the image's ENTRYPOINT and CMD; it must answer /health. This proves the image
// copies everything its service loads. The base image, apt packages and npm ci are not exercised here.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, linkSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerfile, read, root } from './deploy-helpers.ts';

/** Hard links node_modules into `to` (files stay shared, so only links are removed by the prune there). */
function linkTree(from: string, to: string): void {
  const out = spawnSync('cp', ['-al', from, to]);
  if (out.status !== 0) throw new Error(`cp -al: ${out.stderr}`);
}

const sameDevice = statSync(tmpdir()).dev === statSync(root).dev;

describe.skipIf(!sameDevice).each([
  ['edge', 'deploy/docker/edge.Dockerfile', { INVORTO_EDGE_HOST: '127.0.0.1', INVORTO_EDGE_PORT: '0', INVORTO_SIP_PORT: '-1', INVORTO_MEDIA_TOKEN_SECRET: 'layout-test-secret-0123456789' }],
  ['control', 'deploy/docker/control.Dockerfile', { INVORTO_CONTROL_HOST: '127.0.0.1', INVORTO_CONTROL_PORT: '0', INVORTO_INTERNAL_PORT: '0', INVORTO_INTERNAL_TOKEN: 'layout-test-token' }],
] as const)('the %s image layout (%s)', (service, file, env) => {
  it('starts from only what the image copies and answers /health', { timeout: 180_000 }, async () => {
    const stages = parseDockerfile(read(file));
    const prune = stages.find((s) => s.name === 'prod-deps')!;
    const final = stages.at(-1)!;
    const script = prune.instructions.map((i) => i.args).join('\n');
    const workspaces = JSON.parse(`[${/p\.workspaces=\[([^\]]+)\]/.exec(script)![1].replaceAll("'", '"')}]`) as string[];
    const kept = [...script.matchAll(/node_modules\/([@\w.-]+)/g)].map((m) => m[1]).filter((v, i, a) => a.indexOf(v) === i);
    const app = mkdtempSync(join(tmpdir(), `invorto-${service}-image-`));
    const data = join(app, 'data');
    try {
      // The prod-deps stage: the manifests, node_modules, the workspace list narrowed, prune, tsx back.
      linkTree(join(root, 'node_modules'), join(app, 'node_modules'));
      rmSync(join(app, 'node_modules/.package-lock.json')); // npm rewrites it: a copy, not a shared link
      cpSync(join(root, 'node_modules/.package-lock.json'), join(app, 'node_modules/.package-lock.json'));
      const pkg = JSON.parse(read('package.json'));
      for (const dir of pkg.workspaces as string[]) {
        mkdirSync(join(app, dir), { recursive: true });
        cpSync(join(root, dir, 'package.json'), join(app, dir, 'package.json'));
      }
      cpSync(join(root, 'package-lock.json'), join(app, 'package-lock.json'));
      writeFileSync(join(app, 'package.json'), JSON.stringify({ ...pkg, workspaces }, null, 2));
      const keep = join(app, '.keep');
      for (const name of kept) cpSync(join(app, 'node_modules', name), join(keep, name), { recursive: true, verbatimSymlinks: true });
      const pruned = spawnSync('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund', '--offline'], { cwd: app, encoding: 'utf8' });
      expect(pruned.status, pruned.stderr).toBe(0);
      for (const name of kept) cpSync(join(keep, name), join(app, 'node_modules', name), { recursive: true, verbatimSymlinks: true });
      // Only the workspace folders the final stage copies stay.
      for (const dir of pkg.workspaces as string[]) rmSync(join(app, dir), { recursive: true, force: true });
      rmSync(keep, { recursive: true });
      for (const copy of final.instructions.filter((i) => i.op === 'COPY' && /--from=build\b/.test(i.args))) {
        const source = copy.args.replace(/--\S+\s+/g, '').split(/\s+/)[0].replace(/^\/app\//, '');
        mkdirSync(dirname(join(app, source)), { recursive: true });
        if (statSync(join(root, source)).isDirectory()) cpSync(join(root, source), join(app, source), { recursive: true });
        else linkSync(join(root, source), join(app, source));
      }
      const entry = JSON.parse(final.instructions.filter((i) => i.op === 'ENTRYPOINT').at(-1)!.args) as string[];
      const cmd = JSON.parse(final.instructions.filter((i) => i.op === 'CMD').at(-1)!.args) as string[];
      expect(entry[0]).toBe('node');
      const child = spawn(process.execPath, [...entry.slice(1), ...cmd], {
        cwd: app, env: { PATH: process.env.PATH, HOME: app, NODE_ENV: 'production', INVORTO_DATA_DIR: data, INVORTO_LOG_LEVEL: 'info', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      try {
        // Both print the URL they listen on (edge: a JSON log line; control: a sentence).
        const url = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no listening line in 60 s:\n${output}`)), 60_000);
          const look = () => {
            const match = /(?:"url":"|listening on )(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
            if (match) { clearTimeout(timer); resolve(match[1]); }
          };
          child.stdout.on('data', look);
          child.stderr.on('data', look);
          child.on('exit', (code) => reject(new Error(`${service} exited with ${code}:\n${output}`)));
        });
        const health = await fetch(`${url}/health`).then((r) => r.json());
        expect(health).toMatchObject({ status: 'ok', service });
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
      expect(output).not.toMatch(/Cannot find (module|package)/);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});
if (!sameDevice) console.warn('[deploy] the temporary folder is on another file system than the repository: the image layout test needs hard links, skipped');
