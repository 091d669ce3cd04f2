// One call's live feed from control's GET /v1/live WebSocket. The access token travels as a subprotocol (browsers
// cannot set headers on a WebSocket); a dropped socket is opened again with a fresh token until the call ends.
import { useEffect, useReducer } from 'react';
import { accessToken } from '../../auth/session';

export type CallState = 'IDLE' | 'LISTENING' | 'PROCESSING' | 'SPEAKING' | 'ENDED';

export interface LiveView {
  connection: 'connecting' | 'watching' | 'reconnecting' | 'ended' | 'error';
  error: string | null;
  callerDb: number;
  agentDb: number;
  state: CallState | null;
  finals: string[];
  interim: string;
  turns: { index: number; latencyMs: number | null }[];
  endReason: string | null;
  /** No message for STALE_AFTER_MS while watching: the edge holding the call may be gone. */
  stale: boolean;
  lastAtMs: number;
}

const FLOOR_DB = -90;
const initial: LiveView = { connection: 'connecting', error: null, callerDb: FLOOR_DB, agentDb: FLOOR_DB, state: null, finals: [], interim: '', turns: [], endReason: null, stale: false, lastAtMs: 0 };
/** Levels come ten times a second: three seconds of nothing means the feed has stopped. */
const STALE_AFTER_MS = 3000;
/** How much of the transcript the view keeps: a long call must not grow the page without bound. */
const MAX_FINALS = 200;

type LiveMessage =
  | { type: 'levels'; callerDb: number; agentDb: number; state: CallState }
  | { type: 'transcript'; text: string; isFinal: boolean }
  | { type: 'state'; state: CallState }
  | { type: 'turn'; index: number; latencyMs: number | null }
  | { type: 'ended'; reason: string }
  | { type: 'watching' }
  | { type: 'error'; message: string };

type Action = LiveMessage | { type: 'socket'; connection: LiveView['connection'] } | { type: 'tick'; nowMs: number };

function reduce(view: LiveView, action: Action): LiveView {
  if (action.type === 'tick') {
    const stale = view.connection === 'watching' && action.nowMs - view.lastAtMs > STALE_AFTER_MS;
    return stale === view.stale ? view : { ...view, stale };
  }
  if (action.type !== 'socket') view = { ...view, lastAtMs: performance.now(), stale: false };
  switch (action.type) {
    case 'socket': return view.connection === 'ended' || view.connection === 'error' ? view : { ...view, connection: action.connection };
    case 'watching': return { ...view, connection: 'watching', error: null };
    case 'levels': return { ...view, callerDb: action.callerDb, agentDb: action.agentDb, state: action.state };
    case 'state': return { ...view, state: action.state };
    case 'transcript': return action.isFinal
      ? { ...view, finals: [...view.finals, action.text].slice(-MAX_FINALS), interim: '' }
      : { ...view, interim: action.text };
    case 'turn': return { ...view, turns: [...view.turns.filter((t) => t.index !== action.index), { index: action.index, latencyMs: action.latencyMs }] };
    case 'ended': return { ...view, connection: 'ended', endReason: action.reason, state: 'ENDED', callerDb: FLOOR_DB, agentDb: FLOOR_DB, interim: '' };
    case 'error': return { ...view, connection: 'error', error: action.message };
    default: return view;
  }
}

export function useLiveCall(callId: string): LiveView {
  const [view, dispatch] = useReducer(reduce, initial);
  useEffect(() => {
    let socket: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const open = async () => {
      const token = await accessToken();
      if (stopped) return;
      if (!token) { dispatch({ type: 'error', message: 'signed out: sign in again to watch calls' }); return; }
      const url = `${location.origin.replace(/^http/, 'ws')}/v1/live`;
      const ws = new WebSocket(url, ['invorto.live', `bearer.${token}`]);
      socket = ws;
      ws.onopen = () => ws.send(JSON.stringify({ watch: callId }));
      ws.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as LiveMessage;
        dispatch(message);
        if (message.type === 'ended' || message.type === 'error') { stopped = true; ws.close(); }
      };
      ws.onclose = () => {
        if (stopped) return;
        dispatch({ type: 'socket', connection: 'reconnecting' });
        retry = setTimeout(() => void open(), 1000);
      };
    };
    void open();
    const ticker = setInterval(() => dispatch({ type: 'tick', nowMs: performance.now() }), 1000);
    return () => { stopped = true; clearTimeout(retry); clearInterval(ticker); socket?.close(); };
  }, [callId]);
  return view;
}
