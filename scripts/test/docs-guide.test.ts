// Keeps the user guide and the operations runbook's capacity, backup and upgrade sections honest: every `invorto`
// command and flag they name is in the CLI's own help, every /v1 route is in control's OpenAPI document (served by a
// real control on loopback), and every variable is in the README's configuration table. A typo in any fails.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type RunningControl } from '../../control/src/start-control.ts';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** The checked text: the whole guide, and operations.md from its capacity section on (the sections added with it). */
function checkedDocs(): { name: string; text: string }[] {
  const operations = read('docs/operations.md');
  const from = operations.indexOf('## Capacity planning');
  if (from < 0) throw new Error('docs/operations.md has no "## Capacity planning" section');
  return [{ name: 'docs/guide.md', text: read('docs/guide.md') }, { name: 'docs/operations.md', text: operations.slice(from) }];
}

/** Code as written: each line of a fenced block, and each inline `span` (which may wrap a line) of the prose. */
function codeOf(markdown: string): string[] {
  const code: string[] = [];
  const prose = markdown.replace(/^ *```[^\n]*\n([\s\S]*?)^ *```/gm, (_all, block: string) => {
    // A line ending in a backslash goes on on the next one.
    code.push(...block.replace(/\\\n/g, ' ').split('\n'));
    return '';
  });
  for (const match of prose.matchAll(/`([^`]+)`/g)) code.push(match[1]);
  return code.map((c) => c.replace(/\s+/g, ' ').trim()).filter(Boolean);
}

const helpCache = new Map<string, string>();
function help(args: string[]): string {
  const key = args.join(' ');
  if (!helpCache.has(key)) {
    const run = spawnSync(process.execPath, [join(root, 'bin/invorto.js'), ...args, '--help'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    // `invorto bench --help` prints its usage and exits 2 (no suite named); every other help exits 0.
    const text = `${run.stdout}${run.stderr}`;
    if (!text.startsWith('usage:') || (run.status !== 0 && run.status !== 2)) throw new Error(`invorto ${key} --help exited ${run.status}: ${text}`);
    helpCache.set(key, text);
  }
  return helpCache.get(key)!;
}

/** Loads the help of every command (and of the bench suites) at once: one process each takes a second or more. */
async function prefetchHelp(): Promise<void> {
  const run = (args: string[]) => new Promise<void>((resolve) => {
    execFile(process.execPath, [join(root, 'bin/invorto.js'), ...args, '--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      const text = `${stdout}${stderr}`;
      if (text.startsWith('usage:') && (!error || error.code === 2)) helpCache.set(args.join(' '), text);
      resolve(); // a failure is reported by help() when the test asks again
    });
  });
  await Promise.all([run([]), run(['bench'])]);
  // Not the bench suites: some (`dsp`) run the benchmark instead of printing help. A suite's help is read only when
  // the docs name flags of it (`load`), by help() below.
  const commands = [...listed(help([]), 'commands')];
  await Promise.all(commands.filter((c) => c !== 'bench').map((c) => run([c])));
}

/** Commands listed by `invorto --help` (the lines under "commands:"), and `invorto bench --help`'s suites. */
const listed = (text: string, heading: string) => new Set(text.split(`${heading}:\n`)[1].split('\n\n')[0].split('\n')
  .map((line) => line.trim().split(/\s+/)[0]).filter(Boolean));

interface Reference { command: string[]; flags: string[] }

/** The `invorto …` commands (also `npm run bench -- …`) a code span runs, and the flags after them. */
function referencesIn(code: string): { invorto: Reference[]; bareFlags: string[] } {
  const text = code.replace(/\bnpm run bench --/g, 'invorto bench');
  const flagsIn = (s: string) => [...s.matchAll(/(?:^|\s)(--[a-z][a-z0-9-]*)/g)].map((m) => m[1]);
  const invorto: Reference[] = [];
  const parts = text.split(/\binvorto(?=\s+[a-z])/);
  for (const part of parts.slice(1)) {
    const words = part.trim().split(/\s+/);
    const command = [words[0]];
    if (words[1] && /^[a-z][a-z-]*$/.test(words[1])) command.push(words[1]);
    invorto.push({ command, flags: flagsIn(part) });
  }
  // A span that starts with a flag names an option of some invorto command; one that starts with another program
  // (pg_dump, sqlite3, curl, kubectl…) is that program's business.
  const bareFlags = invorto.length === 0 && text.startsWith('--') ? flagsIn(text) : [];
  return { invorto, bareFlags };
}

function cliProblems(markdown: string): string[] {
  const problems: string[] = [];
  const commands = listed(help([]), 'commands');
  const suites = listed(help(['bench']), 'suites');
  const allHelp = [...commands].map((c) => help([c])).join('\n');
  const hasFlag = (text: string, flag: string) => new RegExp(`(^|[^a-z0-9-])${flag}([^a-z0-9-]|$)`, 'm').test(text);
  for (const code of codeOf(markdown)) {
    const { invorto, bareFlags } = referencesIn(code);
    for (const { command, flags } of invorto) {
      const [name, sub] = command;
      if (!commands.has(name)) { problems.push(`"invorto ${name}" is not a command of \`invorto --help\` (in \`${code}\`)`); continue; }
      let text = help([name]);
      if (name === 'bench' && sub) {
        if (!suites.has(sub)) { problems.push(`"invorto bench ${sub}" is not a suite of \`invorto bench --help\``); continue; }
        if (flags.length > 0) text = help(['bench', sub]);
      } else if (sub && ['admin', 'pricing', 'artifacts'].includes(name) && !hasFlag(text, sub)) {
        problems.push(`"invorto ${name} ${sub}" is not in \`invorto ${name} --help\``);
      }
      for (const flag of flags) if (!hasFlag(text, flag)) problems.push(`${flag} is not an option of \`invorto ${command.join(' ')}\` (in \`${code}\`)`);
    }
    for (const flag of bareFlags) if (!hasFlag(allHelp, flag)) problems.push(`${flag} is not an option of any invorto command (in \`${code}\`)`);
  }
  return problems;
}

function routeProblems(markdown: string, paths: string[]): string[] {
  const patterns = paths.map((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`));
  const problems: string[] = [];
  for (const match of markdown.matchAll(/\/v1\/[A-Za-z0-9_{}%/.-]*/g)) {
    const route = match[0].replace(/[./]+$/, '');
    if (!patterns.some((p) => p.test(route))) problems.push(`${route} is not a path of control's /openapi.json`);
  }
  return problems;
}

/** Every variable of the README's configuration table ("a / b" cells name two). */
function configurationVariables(): Set<string> {
  const readme = read('README.md');
  const section = readme.split('## Configuration')[1].split('\n## ')[0];
  const names = new Set<string>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
    for (const m of line.split('|')[1].matchAll(/`([A-Z0-9_]+)`/g)) names.add(m[1]);
  }
  return names;
}

function variableProblems(markdown: string, known: Set<string>): string[] {
  const named = markdown.matchAll(/\b(INVORTO_[A-Z0-9_]*[A-Z0-9]|[A-Z][A-Z0-9_]*_(?:API_KEY|URL))\b/g);
  return [...new Set([...named].map((m) => m[1]))].filter((v) => !known.has(v)).map((v) => `${v} is not in README.md's configuration table`);
}

describe('docs/guide.md and the runbook sections name only what exists', () => {
  let control: RunningControl;
  let dataDir: string;
  let paths: string[];
  const known = configurationVariables();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'invorto-docs-'));
    control = await startControl({ host: '127.0.0.1', port: 0, internalPort: 0, dataDir, internalToken: 'docs-test', ingestTimeline: false });
    const document = await (await fetch(`${control.url}/openapi.json`)).json() as { paths: Record<string, unknown> };
    paths = Object.keys(document.paths);
    await prefetchHelp();
  }, 120_000);
  afterAll(async () => {
    await control?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (const { name, text } of checkedDocs()) {
    it(`${name}: every invorto command and flag is in the CLI's help`, () => {
      expect(referencesIn(codeOf(text).join('\n')).invorto.length).toBeGreaterThan(0);
      expect(cliProblems(text)).toEqual([]);
    });
    it(`${name}: every /v1 route is in the OpenAPI document`, () => {
      expect(paths.length).toBeGreaterThan(10);
      expect(routeProblems(text, paths)).toEqual([]);
    });
    it(`${name}: every variable is in the README's configuration table`, () => {
      expect(known.size).toBeGreaterThan(30);
      expect(variableProblems(text, known)).toEqual([]);
    });
  }

  it('fails on a typo in a command, a flag, a route or a variable', () => {
    const guide = read('docs/guide.md');
    const typo = (from: string, to: string) => {
      expect(guide, from).toContain(from);
      return guide.replace(from, to);
    };
    expect(cliProblems(typo('invorto token --tenant', 'invorto tokens --tenant'))).toEqual([expect.stringContaining('"invorto tokens"')]);
    expect(cliProblems(typo('--sip-allow 203', '--sip-alow 203'))).toEqual([expect.stringContaining('--sip-alow is not an option of `invorto start`')]);
    expect(cliProblems(typo('`--over-greeting`', '`--over-greting`'))).toEqual([expect.stringContaining('--over-greting is not an option of any')]);
    expect(cliProblems(typo('pricing set asr', 'pricing put asr'))).toEqual([expect.stringContaining('"invorto pricing put"')]);
    expect(cliProblems(guide.replace('invorto call --agent', 'npm run bench -- lode --calls 5 #'))).toEqual([expect.stringContaining('"invorto bench lode"')]);
    expect(routeProblems(typo('127.0.0.1:8080/v1/numbers', '127.0.0.1:8080/v1/number'), paths)).toEqual(['/v1/number is not a path of control\'s /openapi.json']);
    expect(variableProblems(typo('`INVORTO_SIP_ALLOW`', '`INVORTO_SIP_ALLOWED`'), known)).toEqual(['INVORTO_SIP_ALLOWED is not in README.md\'s configuration table']);
  });
});
