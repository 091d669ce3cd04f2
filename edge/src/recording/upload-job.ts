// One upload job on disk: a folder per call under the queue's folder holding the call's artifact files and a
// manifest. The manifest is written last, atomically (temp file, fsync, rename, fsync of the folder): a folder
// without one is a job the edge died while writing, never a job to upload. After each part is stored the manifest
// is rewritten with that part marked done, so a restart re-sends at most the one part in flight (a put overwrites:
// it is still one object).
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactMeta } from '@invorto/artifacts/artifact-store.ts';

export const MANIFEST = 'manifest.json';

export interface UploadPart {
  /** The artifact's name (recording.wav, transcript.json…): its file in the job folder and the last part of its key. */
  name: string;
  contentType: string;
  bytes: number;
}

export interface UploadManifest {
  version: 1;
  tenantId: string;
  callId: string;
  /** When the call started (ISO): dates its keys. */
  startedAt: string;
  meta: Omit<ArtifactMeta, 'contentType'>;
  parts: UploadPart[];
  /** Names of the parts already stored. */
  done: string[];
}

/** Writes `bytes` to `file` and makes it durable before returning. */
export async function writeDurably(file: string, bytes: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync of a folder: the renames in it survive a power cut. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeManifest(folder: string, manifest: UploadManifest): Promise<void> {
  const temp = join(folder, `${MANIFEST}.tmp`);
  await writeDurably(temp, JSON.stringify(manifest));
  await rename(temp, join(folder, MANIFEST));
  await syncFolder(folder);
}

/** The job's manifest, or null when the folder holds none (a job the edge died while writing). */
export async function readManifest(folder: string): Promise<UploadManifest | null> {
  let text: string;
  try {
    text = await readFile(join(folder, MANIFEST), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const manifest = JSON.parse(text) as UploadManifest;
  if (manifest.version !== 1 || !Array.isArray(manifest.parts) || !Array.isArray(manifest.done)) throw new Error(`unknown upload manifest in ${folder}`);
  return manifest;
}

export async function removeJob(folder: string): Promise<void> {
  await rm(folder, { recursive: true, force: true });
}
