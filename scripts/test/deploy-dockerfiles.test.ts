// The Dockerfiles (deploy/docker, deploy/kamailio) read with a line parser, since no Docker daemon runs here, and
// Kamailio's config checked by Kamailio itself when it is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPinned, parseDockerfile, read, root, servedGetPaths, urlPaths, type DockerStage } from './deploy-helpers.ts';

const rootPackage = JSON.parse(read('package.json')) as { workspaces: string[]; devDependencies: Record<string, string> };
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }> };
/** Workspace package name (@invorto/edge) -> its folder (edge). */
const workspaceDirs = new Map(rootPackage.workspaces.map((dir) => [JSON.parse(read(`${dir}/package.json`)).name as string, dir]));
const BUILD_OUTPUTS = ['dsp/build', 'proto/gen', 'dashboard/dist']; // scripts/build.mjs writes these

const ops = (stage: DockerStage, op: string) => stage.instructions.filter((i) => i.op === op).map((i) => i.args);

/** Every @invorto workspace a service's code reaches through imports, following the workspaces' own imports. */
function workspacesReached(start: string): Set<string> {
  const reached = new Set<string>([start]);
  const queue = [start];
  while (queue.length) {
    const dir = queue.pop()!;
    const grep = spawnSync('grep', ['-rhoE', "from '@invorto/[a-z]+", join(root, dir, 'src')], { encoding: 'utf8' });
    expect(grep.status, grep.stderr).toBeLessThan(2); // 1: no match
    const text = grep.stdout;
    for (const name of new Set(text.split('\n').filter(Boolean).map((l) => l.slice(6)))) {
      const found = workspaceDirs.get(name);
      expect(found, `${dir} imports ${name}, which is no workspace`).toBeDefined();
      if (!reached.has(found!)) { reached.add(found!); queue.push(found!); }
    }
  }
  return reached;
}

describe.each([
  ['edge', 'deploy/docker/edge.Dockerfile'],
  ['control', 'deploy/docker/control.Dockerfile'],
] as const)('the %s image (%s)', (service, file) => {
  const stages = parseDockerfile(read(file));
  const final = stages.at(-1)!;
  const build = stages.find((s) => s.name === 'build')!;

  it('is multi-stage from pinned bases: Node 24 LTS on Debian 13, whose glibc (2.41) uWebSockets.js v20.57 needs', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const names = new Set<string>();
    for (const stage of stages) {
      if (!names.has(stage.from)) {
        expect(isPinned(stage.from), `FROM ${stage.from}`).toBe(true);
        // The one other base: Debian 12, only for the edge's pocketsphinx_continuous (gone from Debian 13's pocketsphinx 5).
        if (stage.name === 'pocketsphinx') expect(stage.from).toBe('debian:bookworm-slim');
        else expect(stage.from).toBe('node:24-trixie-slim');
      }
      if (stage.name) names.add(stage.name);
    }
    expect(build.from).toBe(final.from); // native addons are compiled for the Node that runs them
  });

  it('builds with npm ci and npm run build, after copying every workspace manifest the lock needs', () => {
    const runs = ops(build, 'RUN');
    const ciAt = build.instructions.findIndex((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    expect(ciAt).toBeGreaterThan(0);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    expect(runs.some((r) => /python3/.test(r) && /make/.test(r) && /g\+\+/.test(r)), 'better-sqlite3 compiles at install').toBe(true);
    const copiedBefore = build.instructions.slice(0, ciAt).filter((i) => i.op === 'COPY').map((i) => i.args);
    for (const dir of ['.', ...rootPackage.workspaces]) {
      const manifest = dir === '.' ? 'package.json' : `${dir}/package.json`;
      expect(copiedBefore.some((c) => c.split(/\s+/).includes(manifest)), `${manifest} before npm ci`).toBe(true);
    }
    expect(copiedBefore.some((c) => c.includes('package-lock.json'))).toBe(true);
  });

  it('prunes to production dependencies and keeps tsx (the CLI runs TypeScript through it) with its dependencies', () => {
    const runs = stages.flatMap((s) => ops(s, 'RUN')).join('\n');
    expect(runs).toMatch(/npm prune --omit=dev|npm ci --omit=dev/);
    expect(read('bin/invorto.js')).toContain("from 'tsx/esm/api'");
    if (rootPackage.devDependencies.tsx) {
      const tsx = lock.packages['node_modules/tsx'];
      for (const dep of ['tsx', ...Object.keys(tsx.dependencies ?? {})]) expect(runs, `node_modules/${dep} kept across the prune`).toContain(`node_modules/${dep}`);
      expect(runs).toContain('node_modules/@esbuild'); // esbuild's platform binary
    }
  });

  it('copies into the final stage only what runs, from folders that exist or that the build makes', () => {
    const copies = ops(final, 'COPY').filter((c) => !c.includes('--from=pocketsphinx')); // the app's files, not the OS's
    expect(copies.some((c) => /^\.\s/.test(c.replace(/--\S+\s+/g, '')))).toBe(false); // no COPY . .
    for (const copy of copies) {
      const [source] = copy.replace(/--\S+\s+/g, '').split(/\s+/);
      const path = source.replace(/^\/app\/?/, '');
      if (!path || path === 'node_modules') continue;
      expect(existsSync(join(root, path)) || BUILD_OUTPUTS.includes(path), `COPY ${source}`).toBe(true);
    }
    const copiedDirs = new Set(copies.map((c) => c.replace(/--\S+\s+/g, '').split(/\s+/)[0].replace(/^\/app\//, '')));
    for (const dir of workspacesReached(service)) {
      expect(copiedDirs, `${dir}/src`).toContain(`${dir}/src`);
      expect(copiedDirs, `${dir}/package.json`).toContain(`${dir}/package.json`);
    }
    for (const other of rootPackage.workspaces.filter((w) => !workspacesReached(service).has(w))) expect(copiedDirs).not.toContain(`${other}/src`);
    if (service === 'control') expect(copiedDirs).toContain('dashboard/dist');
  });

  it('runs as the node user with a HEALTHCHECK on a path the service serves, and starts `invorto ' + service + '`', () => {
    const user = ops(final, 'USER').at(-1);
    expect(user).toBeDefined();
    expect(['root', '0'].includes(user!.split(':')[0])).toBe(false);
    const health = ops(final, 'HEALTHCHECK').at(-1);
    expect(health).toMatch(/^--interval=\S+ .*CMD /);
    const paths = urlPaths(health!);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(servedGetPaths(service)).toContain(path);
    expect(ops(final, 'ENTRYPOINT').at(-1)).toBe('["node", "bin/invorto.js"]');
    expect(ops(final, 'CMD').at(-1)).toBe(`["${service}"]`);
  });
});

describe('the edge image\'s offline recognizer', () => {
  const stages = parseDockerfile(read('deploy/docker/edge.Dockerfile'));
  const final = stages.at(-1)!;
  const sphinx = stages.find((s) => s.name === 'pocketsphinx')!;

  it('takes pocketsphinx_continuous from Debian 12 with its libraries but not glibc, and puts it on PATH with its model', () => {
    const script = ops(sphinx, 'RUN').join('\n');
    expect(script).toMatch(/apt-get install .*pocketsphinx pocketsphinx-en-us/);
    expect(script).toMatch(/ldd \/usr\/bin\/pocketsphinx_continuous/);
    expect(script).toMatch(/grep -vE '[^']*\(libc\|libm\|[^']*ld-linux/); // the host's newer glibc runs it
    expect(script).toContain('LD_LIBRARY_PATH=/opt/pocketsphinx/lib exec /opt/pocketsphinx/bin/pocketsphinx_continuous');
    const copies = ops(final, 'COPY').filter((c) => c.includes('--from=pocketsphinx'));
    expect(copies).toEqual(['--from=pocketsphinx /opt/pocketsphinx /opt/pocketsphinx', '--from=pocketsphinx /usr/share/pocketsphinx /usr/share/pocketsphinx']);
    expect(ops(final, 'RUN').join('\n')).toContain('ln -s /opt/pocketsphinx/pocketsphinx_continuous /usr/local/bin/pocketsphinx_continuous');
    // The edge looks for it by that name and for the model where Debian puts it.
    const asr = read('edge/src/providers/offline/pocketsphinx-asr.ts');
    expect(asr).toContain("const BINARY = 'pocketsphinx_continuous'");
    expect(asr).toContain("const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us'");
  });
});

describe('the Kamailio image and config (deploy/kamailio)', () => {
  const stages = parseDockerfile(read('deploy/kamailio/Dockerfile'));

  it('runs from a pinned Debian 12 base as a numeric non-root user, with a health check', () => {
    for (const stage of stages) expect(isPinned(stage.from), stage.from).toBe(true);
    const user = ops(stages.at(-1)!, 'USER').at(-1)!;
    expect(Number(user)).toBeGreaterThan(0);
    expect(ops(stages.at(-1)!, 'HEALTHCHECK')).toHaveLength(1);
  });

  it('spreads INVITEs over dispatcher set 1 and probes it with OPTIONS', () => {
    const cfg = read('deploy/kamailio/kamailio.cfg');
    expect(cfg.startsWith('#!KAMAILIO')).toBe(true);
    expect(cfg).toMatch(/loadmodule "dispatcher\.so"/);
    expect(cfg).toMatch(/modparam\("dispatcher", "ds_ping_method", "OPTIONS"\)/);
    expect(cfg).toMatch(/modparam\("dispatcher", "ds_probing_mode", 1\)/);
    expect(cfg).toMatch(/ds_select_dst\("1", "\d+"\)/);
    expect(cfg).toMatch(/ds_next_dst\(\)/);
  });

  it('lists only well-formed destinations in set 1, in every dispatcher.list', () => {
    for (const file of ['deploy/kamailio/dispatcher.list', 'deploy/k8s/overlays/single-node/dispatcher.list', 'deploy/k8s/overlays/production/dispatcher.list']) {
      const entries = read(file).split('\n').filter((l) => l.trim() && !l.startsWith('#'));
      expect(entries.length, file).toBeGreaterThan(0);
      for (const entry of entries) expect(entry, file).toMatch(/^1 sip:(\d{1,3}(\.\d{1,3}){3}|@HOST_IP@):\d{2,5} 0 0 duid=[\w-]+$/);
    }
  });

  const kamailio = spawnSync('kamailio', ['-v']).status === 0;
  it.skipIf(!kamailio)('passes `kamailio -c` with each dispatcher list (kamailio installed)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'invorto-kamailio-'));
    try {
      for (const file of ['deploy/kamailio/dispatcher.list', 'deploy/k8s/overlays/single-node/dispatcher.list', 'deploy/k8s/overlays/production/dispatcher.list']) {
        writeFileSync(join(dir, 'dispatcher.list'), readFileSync(join(root, file), 'utf8').replaceAll('@HOST_IP@', '127.0.0.1'));
        const check = spawnSync('kamailio', ['-c', '-f', join(root, 'deploy/kamailio/kamailio.cfg'), '-A', `DISPATCHER_LIST="${join(dir, 'dispatcher.list')}"`], { encoding: 'utf8' });
        expect(check.status, `${file}\n${check.stderr}`).toBe(0);
        expect(check.stderr).toContain('config file ok');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  if (!kamailio) console.warn('[deploy] kamailio is not installed (apt-get install kamailio): kamailio.cfg is not checked with `kamailio -c`');
});

describe('.dockerignore', () => {
  const ignored = read('.dockerignore').split('\n').filter((l) => l && !l.startsWith('#'));
  it('keeps host installs, build outputs, data and secrets out of the build context, but not what the build copies', () => {
    for (const entry of ['.git', '**/node_modules', 'data', 'dsp/build', 'proto/gen', 'dashboard/dist', '**/.env']) expect(ignored).toContain(entry);
    for (const needed of ['package.json', 'package-lock.json', 'bin', 'corpus', ...rootPackage.workspaces]) expect(ignored).not.toContain(needed);
  });
});
