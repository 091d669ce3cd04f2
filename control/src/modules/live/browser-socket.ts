// One browser's live socket: it asks to watch a call of its own tenant ({"watch": callId}) or stop ({"unwatch":
// callId}), and gets the edge's live messages for it. A call of another tenant, or none in progress, is answered
// with an error message and nothing else.
import type { WebSocket } from 'ws';
import type { Kysely } from 'kysely';
import type { LiveHub, LiveWatcher } from './live-hub.ts';

/** A browser that reads slower than this much behind is skipped until it catches up (levels are soon stale). */
const MAX_BUFFERED_BYTES = 256 * 1024;
/** Calls one socket may watch at once. */
const MAX_WATCHED = 20;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type CallsDb = Kysely<any>;

export function serveBrowser(socket: WebSocket, tenantId: string, hub: LiveHub, db: CallsDb): void {
  const watching = new Set<string>();
  const reply = (message: object) => { if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message)); };
  const watcher: LiveWatcher = {
    tenantId,
    send: (text) => { if (socket.readyState === socket.OPEN && socket.bufferedAmount < MAX_BUFFERED_BYTES) socket.send(text); },
  };
  socket.on('message', async (data) => {
    let request: { watch?: unknown; unwatch?: unknown };
    try { request = JSON.parse(String(data)); } catch { return reply({ type: 'error', message: 'send JSON: {"watch": "<callId>"} or {"unwatch": "<callId>"}' }); }
    if (typeof request.unwatch === 'string') {
      watching.delete(request.unwatch);
      hub.unwatch(request.unwatch, watcher);
      return reply({ type: 'unwatching', callId: request.unwatch });
    }
    const callId = request.watch;
    if (typeof callId !== 'string' || !callId) return reply({ type: 'error', message: 'send JSON: {"watch": "<callId>"} or {"unwatch": "<callId>"}' });
    if (watching.size >= MAX_WATCHED) return reply({ type: 'error', callId, message: `one socket watches at most ${MAX_WATCHED} calls: unwatch one first` });
    const row = await db.selectFrom('calls').select(['tenant_id', 'ended_at']).where('id', '=', callId).executeTakeFirst();
    // Another tenant's call reads exactly like a call that does not exist: its id tells nothing.
    if (!row || row.tenant_id !== tenantId) return reply({ type: 'error', callId, message: `no call ${callId} in this tenant` });
    if (row.ended_at !== null) return reply({ type: 'error', callId, message: `call ${callId} has ended: see GET /v1/calls/${callId}` });
    if (socket.readyState !== socket.OPEN) return;
    watching.add(callId);
    hub.watch(callId, watcher);
    reply({ type: 'watching', callId });
  });
  socket.on('close', () => { for (const callId of watching) hub.unwatch(callId, watcher); });
}
