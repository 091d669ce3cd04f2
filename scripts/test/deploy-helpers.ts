// Shared by the deploy-*.test.ts files: the repository root, the README's documented variables, the options each
// service marks secret, the routes each service serves, and a small Dockerfile parser.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');
export const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** Environment variables named in the README's configuration table (`| \`NAME\` ... |` rows). */
export function documentedEnvVars(): Set<string> {
  const readme = read('README.md');
  const start = readme.indexOf('## Configuration');
  const table = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const names = new Set<string>();
  for (const line of table.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const firstCell = line.split('|')[1];
    for (const match of firstCell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(match[1]);
  }
  return names;
}

/** Environment variables of the options marked `secret: true` in the edge's and control's option specs. */
export function secretEnvVars(): Set<string> {
  const names = new Set<string>();
  for (const file of ['edge/src/start-edge.ts', 'control/src/start-control.ts']) {
    for (const match of read(file).matchAll(/\{ env: '([A-Z0-9_]+)'[^\n]*?secret: true/g)) names.add(match[1]);
  }
  return names;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    return statSync(join(root, path)).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** GET routes a service registers: uWS `app.get('/x'` on the edge, Fastify `app.get('/x'` on control. */
export function servedGetPaths(service: 'edge' | 'control'): Set<string> {
  const paths = new Set<string>();
  for (const file of sourceFiles(`${service}/src`)) {
    for (const match of read(file).matchAll(/\.get\(\s*'(\/[^']*)'/g)) paths.add(match[1]);
  }
  return paths;
}

/** Paths a health-check command asks for: literal URLs (`http://host:8080/health`) and quoted path pieces of a
 * URL built by concatenation (`'http://' + host + ':' + port + '/health'`). */
export function urlPaths(command: string): string[] {
  const literal = [...command.matchAll(/https?:\/\/[A-Za-z0-9.-]+(?::\d+)?(\/[\w\-/]*)/g)].map((m) => m[1]);
  const pieces = [...command.matchAll(/'(?::\d+)?(\/[\w\-/]*)'/g)].map((m) => m[1]);
  return [...literal, ...pieces];
}

export interface DockerStage { from: string; name?: string; instructions: { op: string; args: string }[] }

/** Splits a Dockerfile into stages of instructions (continuations joined, comments and blank lines dropped). */
export function parseDockerfile(text: string): DockerStage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) { pending += line.slice(0, -1) + ' '; continue; }
    logical.push(pending + line);
    pending = '';
  }
  if (pending) logical.push(pending);
  const stages: DockerStage[] = [];
  for (const line of logical) {
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const [from, as, name] = rest;
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      if (!stages.length) continue; // ARG before the first FROM
      stages.at(-1)!.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

/** An image reference pinned to a tag (or digest) that is not `latest`. */
export function isPinned(image: string): boolean {
  if (image.includes('@sha256:')) return true;
  const tag = image.slice(image.lastIndexOf('/') + 1).split(':')[1];
  return Boolean(tag) && tag !== 'latest';
}
