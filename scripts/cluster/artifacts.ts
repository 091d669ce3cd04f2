// What the cluster's calls left behind, read where each party keeps it: the shared S3 bucket (listed with the SDK
// against the cluster's S3-API server, as any client would), each edge's data dir (which should hold none of it
// once uploaded), and control's public artifact routes (the list and the download).
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ARTIFACT_NAMES, callIdSegment } from '@invorto/artifacts/artifact-store.ts';
import { s3Client, type S3StoreSettings } from '@invorto/artifacts/s3-settings.ts';
import { bytesPerSample, parseWav } from '../../edge/src/recording/wav.ts';

/** Names a recorded call's folder holds once its upload is done (edge/src/recording/call-recordings.ts). */
export const RECORDED_CALL_ARTIFACTS = [ARTIFACT_NAMES.events, ARTIFACT_NAMES.recording, ARTIFACT_NAMES.transcriptJson, ARTIFACT_NAMES.transcriptText];

const bearer = (apiKey: string) => ({ authorization: `Bearer ${apiKey}` });

/**
 * Turns stereo recording on for an agent through control's public API (PATCH under If-Match, published at once), as
 * the control tests do: the seeded demo agent has no `recording` setting, and an agent without one is not recorded.
 */
export async function enableRecording(controlUrl: string, apiKey: string, agentId = 'demo'): Promise<number> {
  const current = await fetch(`${controlUrl}/v1/agents/${agentId}`, { headers: bearer(apiKey) });
  if (current.status !== 200) throw new Error(`GET /v1/agents/${agentId}: ${current.status} ${await current.text()}`);
  const patched = await fetch(`${controlUrl}/v1/agents/${agentId}?publish=true`, {
    method: 'PATCH',
    headers: { ...bearer(apiKey), 'content-type': 'application/json', 'if-match': current.headers.get('etag')! },
    body: JSON.stringify({ recording: { mode: 'stereo', encoding: 'mulaw' } }),
  });
  if (patched.status !== 200) throw new Error(`PATCH /v1/agents/${agentId}: ${patched.status} ${await patched.text()}`);
  return ((await patched.json()) as { publishedVersion: number }).publishedVersion;
}

export interface BucketObject { key: string; size: number }

/** Every object in the bucket, page by page. */
export async function bucketObjects(settings: S3StoreSettings): Promise<BucketObject[]> {
  const client = s3Client(settings);
  try {
    const objects: BucketObject[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: settings.bucket, ContinuationToken: token }));
      for (const o of page.Contents ?? []) objects.push({ key: o.Key!, size: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  } finally {
    client.destroy();
  }
}

/** A call's artifacts in the bucket (`tenant/yyyy/mm/dd/<call id as callIdSegment>/<name>`), by name. */
export function callObjects(objects: BucketObject[], callId: string): Map<string, number> {
  const inFolder = objects.filter((o) => o.key.split('/').at(-2) === callIdSegment(callId));
  return new Map(inFolder.map((o) => [o.key.split('/').at(-1)!, o.size]));
}

/**
 * The bucket once every call in `callIds` has all its artifacts there, or as it is at `timeoutMs`. An edge queues a
 * call's files at hang-up and uploads them in the background (retrying a failing store from 1 s), so they land
 * shortly after the call's end, not with it.
 */
export async function waitForArtifacts(settings: S3StoreSettings, callIds: string[], timeoutMs: number): Promise<BucketObject[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const objects = await bucketObjects(settings);
    const complete = callIds.every((id) => RECORDED_CALL_ARTIFACTS.every((name) => callObjects(objects, id).has(name)));
    if (complete || Date.now() > deadline) return objects;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * What an edge's data dir holds of calls' artifacts: job folders waiting in `uploads/` (a call's files until they
 * are all stored), recordings of calls in progress (`uploads/.recording/`, left by a kill), and any WAV elsewhere.
 */
export function localArtifacts(edgeDataDir: string): { pendingJobs: string[]; recordingsInProgress: string[]; wavs: string[] } {
  const files = (readdirSync(edgeDataDir, { recursive: true }) as string[]).filter((f) => statSync(join(edgeDataDir, f), { throwIfNoEntry: false })?.isFile()); // a temp file may go meanwhile
  const uploads = files.filter((f) => f.startsWith(`uploads${sep}`)).map((f) => f.split(sep));
  return {
    pendingJobs: [...new Set(uploads.filter((parts) => parts.length > 2 && parts[1] !== '.recording').map((parts) => parts[1]))],
    recordingsInProgress: uploads.filter((parts) => parts[1] === '.recording').map((parts) => parts.at(-1)!),
    wavs: files.filter((f) => f.endsWith('.wav')),
  };
}

export interface ServedRecording {
  /** GET /v1/calls/{id}/artifacts: its status and the names (with sizes) it lists. */
  listStatus: number;
  listed: Map<string, number>;
  /** GET /v1/calls/{id}/artifacts/recording.wav. */
  status: number;
  bytes: number;
  riff: boolean;
  /** Seconds of stereo audio the WAV holds (null when it is not one). */
  durationS: number | null;
}

/** A call's artifacts as control lists them and its recording as control serves it, with the tenant's API key. */
export async function servedRecording(controlUrl: string, apiKey: string, callId: string): Promise<ServedRecording> {
  const call = `${controlUrl}/v1/calls/${encodeURIComponent(callId)}`;
  const list = await fetch(`${call}/artifacts`, { headers: bearer(apiKey) });
  const items = list.status === 200 ? ((await list.json()) as { artifacts: { name: string; size: number }[] }).artifacts : [];
  const response = await fetch(`${call}/artifacts/${ARTIFACT_NAMES.recording}`, { headers: bearer(apiKey) });
  const body = Buffer.from(await response.arrayBuffer());
  let durationS: number | null = null;
  try {
    const wav = parseWav(body);
    durationS = wav.dataBytes / (wav.channels * bytesPerSample(wav.encoding) * wav.sampleRateHz);
  } catch { /* not a WAV: `riff` says so */ }
  return {
    listStatus: list.status, listed: new Map(items.map((a) => [a.name, a.size])),
    status: response.status, bytes: body.length, riff: body.subarray(0, 4).toString('latin1') === 'RIFF', durationS,
  };
}
