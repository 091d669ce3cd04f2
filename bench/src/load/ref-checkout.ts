// `invorto bench load --ref REV`: the Invorto edge as it was at a git revision, loaded in the same run as today's, so
// "no regression" is a ratio measured on the same host minutes apart instead of a comparison with an old report. The
// revision is checked out once as a git worktree under bench/results/ and built there (WASM, protobuf code); its
// node_modules holds links to this checkout's installed packages, except the project's own workspace packages
// (@invorto/*), which point at the revision's folders: its edge runs its own code on today's dependencies.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resultsDir } from '../report.ts';
import { repoRoot } from './shared.ts';

const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();

/** The worktree of `rev`, made and built on first use; its path. */
export function refCheckout(rev: string, progress: (line: string) => void): { dir: string; sha: string } {
  let sha: string;
  try {
    sha = git('rev-parse', '--verify', '--quiet', `${rev}^{commit}`);
  } catch {
    throw new Error(`bad --ref "${rev}": not a commit in this repository`);
  }
  const dir = join(resultsDir, `ref-${sha.slice(0, 12)}`);
  if (existsSync(join(dir, '.invorto-ref-ready'))) return { dir, sha };
  progress(`[load] preparing the edge at ${sha.slice(0, 12)} in ${dir} (once)`);
  mkdirSync(resultsDir, { recursive: true });
  if (!existsSync(join(dir, 'package.json'))) git('worktree', 'add', '--detach', '--force', dir, sha);
  linkPackages(dir);
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(join(dir, '.invorto-ref-ready'), `${sha}\n`);
  return { dir, sha };
}

/** node_modules of the worktree: every installed package linked, @invorto/* to the worktree's own workspaces. */
function linkPackages(dir: string): void {
  const installed = join(repoRoot, 'node_modules');
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@invorto'), { recursive: true });
  for (const entry of readdirSync(installed)) {
    if (entry === '@invorto' || existsSync(join(modules, entry))) continue;
    symlinkSync(join(installed, entry), join(modules, entry));
  }
  const workspaces = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).workspaces as string[];
  for (const workspace of workspaces) {
    const name = JSON.parse(readFileSync(join(dir, workspace, 'package.json'), 'utf8')).name as string;
    const link = join(modules, name);
    if (name.startsWith('@invorto/') && !existsSync(link)) symlinkSync(join(dir, workspace), link);
  }
}
