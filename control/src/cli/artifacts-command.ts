// `invorto artifacts`: a call's recordings and other artifacts from the command line. `list --call` and `download`
// go through control's API (the caller's API key decides which calls it may see, as for any client); `list --tenant`
// and `sync --to-s3` are the operator's and read the store itself (the data dir, or the configured bucket).
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { LocalDiskStore } from '@invorto/artifacts/local-disk-store.ts';
import { openArtifactStore } from '@invorto/artifacts/open-store.ts';
import { helpText, OptionError, parseOptions } from '../../../bin/options.ts';
import { artifactStoreOptions, s3SettingsFrom } from '../modules/artifacts/open-store.ts';

export const artifactsOptions = {
  'api-url': { env: 'INVORTO_API_URL', default: 'http://127.0.0.1:8080', description: "control's public API (list --call, download)" },
  'api-key': { env: 'INVORTO_API_KEY', default: '', description: 'an API key with calls:read (list --call, download)', secret: true },
  call: { default: '', description: 'the call whose artifacts to list or download' },
  tenant: { default: '', description: 'list: every object of this tenant, from the store itself' },
  prefix: { default: '', description: 'list --tenant: only keys under tenant/<prefix> (e.g. 2026/12/)' },
  name: { default: 'recording.wav', description: 'download: which artifact' },
  out: { default: '', description: "download: the file to write (default: <call>-<name>); a shorter file there is resumed" },
  'to-s3': { default: false, description: 'sync: copy the local-disk store to the configured S3 bucket' },
  json: { default: false, description: 'list: print JSON' },
  'data-dir': { env: 'INVORTO_DATA_DIR', default: './data', description: 'the data dir whose artifacts/ folder is the local store' },
  ...artifactStoreOptions,
};

const USAGE = `usage:
  invorto artifacts list --call <id>                       (the call's artifacts and expiring URLs, through control)
  invorto artifacts list --tenant <id> [--prefix 2026/12/]  (the tenant's objects in the store)
  invorto artifacts download --call <id> [--name recording.wav] [--out FILE]
  invorto artifacts sync --to-s3                           (local disk → INVORTO_S3_BUCKET, skipping objects already there)`;

interface Io { env?: NodeJS.ProcessEnv; out?: (line: string) => void; err?: (line: string) => void }
type Values = ReturnType<typeof parseOptions<typeof artifactsOptions>>['values'];

class CliError extends Error {}

export async function runArtifacts(argv: string[], io: Io = {}): Promise<number> {
  const out = io.out ?? ((line) => console.log(line));
  const err = io.err ?? ((line) => console.error(line));
  const { values, positionals, help } = parseOptions(artifactsOptions, argv, io.env);
  if (help || positionals.length === 0) {
    out(helpText(USAGE, artifactsOptions));
    return help ? 0 : 2;
  }
  try {
    const [verb] = positionals;
    if (verb === 'list' && values.call) return await listCall(values, out);
    if (verb === 'list' && values.tenant) return await listTenant(values, out);
    if (verb === 'list') throw new OptionError('list needs --call <id> or --tenant <id>');
    if (verb === 'download') return await download(values, out);
    if (verb === 'sync') return await syncToS3(values, out);
    throw new OptionError(`unknown artifacts command "${verb}"\n${USAGE}`);
  } catch (error) {
    if (error instanceof CliError) {
      err(`invorto artifacts: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

async function api(values: Values, path: string, headers: Record<string, string> = {}): Promise<Response> {
  if (!values['api-key']) throw new OptionError('an API key is needed: --api-key or INVORTO_API_KEY (with calls:read)');
  const response = await fetch(`${values['api-url'].replace(/\/$/, '')}${path}`, { headers: { authorization: `Bearer ${values['api-key']}`, ...headers } });
  if (!response.ok && response.status !== 206 && response.status !== 416) {
    const answer = await response.json().catch(() => ({})) as { error?: string };
    throw new CliError(`GET ${path}: ${response.status} ${answer.error ?? ''}`);
  }
  return response;
}

async function listCall(values: Values, out: (line: string) => void): Promise<number> {
  const list = await (await api(values, `/v1/calls/${encodeURIComponent(values.call)}/artifacts`)).json() as { expiresAt: string; artifacts: { name: string; size: number; contentType: string; url: string }[] };
  if (values.json) out(JSON.stringify(list, null, 2));
  else for (const a of list.artifacts) out(`${a.name.padEnd(16)} ${String(a.size).padStart(10)}  ${a.contentType.padEnd(24)} ${a.url}`);
  if (!values.json) out(`(${list.artifacts.length} artifacts; URLs work until ${list.expiresAt})`);
  return 0;
}

/** The operator's view: the store the settings name, read directly. */
async function listTenant(values: Values, out: (line: string) => void): Promise<number> {
  const store = openArtifactStore({ dir: join(values['data-dir'], 'artifacts'), s3: s3SettingsFrom(values) });
  try {
    const infos = await store.list(`${values.tenant}/${values.prefix}`);
    if (values.json) out(JSON.stringify(infos.map((i) => ({ key: i.key, size: i.size, lastModified: i.lastModified.toISOString() })), null, 2));
    else for (const i of infos) out(`${i.key.padEnd(60)} ${String(i.size).padStart(10)}  ${i.lastModified.toISOString()}`);
    return 0;
  } catch (error) {
    throw new CliError(`cannot list ${values.tenant}/${values.prefix} in the ${store.kind} store: ${(error as Error).message}`);
  } finally {
    (store as { close?: () => void }).close?.();
  }
}

/** Downloads one artifact; when `--out` already holds its first bytes (a cut download), asks only for the rest. */
async function download(values: Values, out: (line: string) => void): Promise<number> {
  if (!values.call) throw new OptionError('download needs --call <id>');
  const file = values.out || `${values.call}-${values.name}`;
  const have = existsSync(file) ? statSync(file).size : 0;
  const path = `/v1/calls/${encodeURIComponent(values.call)}/artifacts/${encodeURIComponent(values.name)}`;
  const response = await api(values, path, have > 0 ? { range: `bytes=${have}-` } : {});
  if (response.status === 416) {
    const size = Number(/\*\/(\d+)/.exec(response.headers.get('content-range') ?? '')?.[1]);
    if (size !== have) throw new CliError(`${file} (${have} bytes) is not a start of ${values.name} (${size} bytes): move it away and download again`);
    out(`${file} already holds all of ${values.name} (${size} bytes)`);
    return 0;
  }
  const resumed = response.status === 206;
  await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(file, { flags: resumed ? 'a' : 'w' }));
  out(`downloaded ${values.name} of call ${values.call} to ${file}: ${statSync(file).size} bytes${resumed ? ` (resumed from byte ${have})` : ''}`);
  return 0;
}

/** Copies every object of the local-disk store to the bucket, with its metadata; skips those there at the same size. */
async function syncToS3(values: Values, out: (line: string) => void): Promise<number> {
  if (!values['to-s3']) throw new OptionError('sync needs --to-s3');
  const s3Settings = s3SettingsFrom(values);
  if (!s3Settings) throw new OptionError('sync --to-s3 needs a bucket: --s3-bucket or INVORTO_S3_BUCKET (and its endpoint and credentials)');
  const local = new LocalDiskStore({ dir: join(values['data-dir'], 'artifacts') });
  const s3 = openArtifactStore({ dir: local.dir, s3: s3Settings });
  try {
    await s3.verify().catch((error: Error) => { throw new CliError(`S3 bucket "${s3Settings.bucket}": ${error.message}`); });
    const objects = await local.list('');
    let copied = 0;
    let copiedBytes = 0;
    let skipped = 0;
    for (const [index, info] of objects.entries()) {
      const step = `[${index + 1}/${objects.length}]`;
      const there = await s3.head(info.key);
      if (there && there.size === info.size) {
        skipped++;
        out(`${step} skipped ${info.key} (already in the bucket, ${info.size} bytes)`);
        continue;
      }
      await s3.put(info.key, { file: join(local.dir, ...info.key.split('/')) }, info.meta);
      copied++;
      copiedBytes += info.size;
      out(`${step} copied ${info.key} (${info.size} bytes)`);
    }
    out(`synced ${local.dir} to s3://${s3Settings.bucket}/${s3Settings.prefix ?? ''}: ${copied} copied (${copiedBytes} bytes), ${skipped} already there`);
    return 0;
  } finally {
    (s3 as { close?: () => void }).close?.();
  }
}

export function run(argv: string[]): Promise<number> {
  return runArtifacts(argv);
}
