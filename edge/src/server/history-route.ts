// GET /calls/:id/history — a call's conversation as the agent's context kept it (system prompt, turns, tool calls
// and results, and of every interrupted reply only what the caller heard). Guarded by the internal token when one is
// configured (control asks on a user's behalf); the embedded default binds to loopback only.
import type { HistoryStore } from '../runtime/history-store.ts';
import type { uWS } from './uws.ts';

export function registerHistoryRoute(app: uWS.TemplatedApp, store: HistoryStore, internalToken: string): void {
  app.get('/calls/:id/history', (res, req) => {
    const rawId = req.getParameter(0) ?? '';
    const token = req.getHeader('x-invorto-internal');
    const reply = (status: string, body: unknown): void => { res.cork(() => res.writeStatus(status).writeHeader('content-type', 'application/json').end(JSON.stringify(body))); };
    if (internalToken && token !== internalToken) return reply('401 Unauthorized', { error: 'x-invorto-internal header missing or wrong' });
    try {
      const callId = decodeURIComponent(rawId);
      const record = store.load(callId);
      if (!record) return reply('404 Not Found', { error: `no history for call "${callId}" on this edge` });
      reply('200 OK', record);
    } catch (error) {
      reply('400 Bad Request', { error: (error as Error).message });
    }
  });
}
