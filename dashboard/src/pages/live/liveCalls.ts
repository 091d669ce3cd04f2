// GET /v1/live/calls. Typed here rather than through schema.d.ts: regenerating that file from the working tree would
// have taken in routes other people had not committed yet (refresh it with `npm run api -w dashboard` to switch).
import { accessToken, endSession } from '../../auth/session';

export interface LiveCallRow { id: string; agentId: string; edgeId: string | null; transport: string | null; from: string | null; to: string | null; startedAt: string }

export async function listLiveCalls(): Promise<{ calls: LiveCallRow[] }> {
  const token = await accessToken();
  const response = await fetch('/v1/live/calls', { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (response.status === 401) endSession('expired');
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(typeof body.error === 'string' ? body.error : `listing calls in progress failed (${response.status})`), { status: response.status });
  return body as { calls: LiveCallRow[] };
}
