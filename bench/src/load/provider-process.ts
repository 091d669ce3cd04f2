// The providers of `invorto bench load`, in their own process so the edge's CPU is the edge's alone: the Deepgram
// emulator's listen and speak handlers (the real wire protocol, edge/testing/emulators) behind a server that also stamps
// every audio message as it arrives, and the OpenAI emulator. A listen socket is matched to its call by the
// signature in the call's first frame; a reply to its call by the tags the transcript carried through the LLM.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { handleListen, type ListenScript } from '@invorto/edge/testing/emulators/deepgram-listen.ts';
import { handleSpeak } from '@invorto/edge/testing/emulators/deepgram-speak.ts';
import { startOpenAiEmulator } from '@invorto/edge/testing/emulators/openai.ts';
import { scriptedReply, scriptedTranscript } from './caller-script.ts';
import { answerLoopStats } from './loop-monitor.ts';
import { BENCH_DEEPGRAM_KEY, BENCH_OPENAI_KEY, PROVIDER_LATENCY, clockMs, exitWithParent, readSignature, readTags, report, type ListenRecord, type ReplyRecord } from './shared.ts';

/** Utterances scripted per call: more than any hold has turns. */
const SCRIPTED_TURNS = 2000;

interface ListenState { callId: number | null; arrivals: Float64Array; count: number; openedMs: number }

async function main(): Promise<void> {
  const listens: ListenState[] = [];
  const replies: ReplyRecord[] = [];
  let ttsChunks = 0;
  const sockets = new Set<WebSocket>();

  const onListen = (ws: WebSocket, url: URL, authorization: string) => {
    const state: ListenState = { callId: null, arrivals: new Float64Array(2048), count: 0, openedMs: clockMs() };
    listens.push(state);
    const script: ListenScript = { utterances: [], finalDelayMs: PROVIDER_LATENCY.asrFinalMs };
    // Registered before the emulator's own handler: the stamp is taken as the message reaches JavaScript.
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const nowMs = clockMs();
      if (state.count === 0) {
        state.callId = readSignature(data);
        if (state.callId !== null) {
          const callId = state.callId;
          script.utterances = Array.from({ length: SCRIPTED_TURNS }, (_, turn) => ({ transcript: scriptedTranscript(callId, turn) }));
        }
      }
      if (state.count === state.arrivals.length) {
        const grown = new Float64Array(state.arrivals.length * 2);
        grown.set(state.arrivals);
        state.arrivals = grown;
      }
      state.arrivals[state.count++] = nowMs;
    });
    handleListen(ws, url, authorization, script, []);
  };

  const onSpeak = (ws: WebSocket, url: URL, authorization: string) => {
    // The first audio after a Flush whose text names a call is that reply's first chunk.
    let waiting: { callId: number; turn: number }[] = [];
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const message = JSON.parse(data.toString()) as { type?: string; text?: string };
      const tags = message.type === 'Speak' ? readTags(String(message.text ?? '')) : null;
      if (tags) waiting.push(tags);
      if (message.type === 'Clear') waiting = [];
    });
    const send = ws.send.bind(ws);
    ws.send = ((payload: unknown, ...rest: unknown[]) => {
      if (payload instanceof Uint8Array) {
        ttsChunks++;
        const tags = waiting.shift();
        if (tags) replies.push({ ...tags, firstChunkMs: clockMs() });
        waiting.length = 0;
      }
      return (send as (...args: unknown[]) => void)(payload, ...rest);
    }) as typeof ws.send;
    handleSpeak(ws, url, authorization, { firstByteMs: PROVIDER_LATENCY.ttsFirstByteMs }, []);
  };

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const authorization = String(req.headers.authorization ?? '');
    if (authorization !== `Token ${BENCH_DEEPGRAM_KEY}` || (url.pathname !== '/v1/listen' && url.pathname !== '/v1/speak')) {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      if (url.pathname === '/v1/listen') onListen(ws, url, authorization);
      else onSpeak(ws, url, authorization);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const openai = await startOpenAiEmulator({
    apiKey: BENCH_OPENAI_KEY, firstTokenMs: PROVIDER_LATENCY.llmFirstTokenMs,
    responder: ({ messages }) => {
      const said = String([...messages].reverse().find((m) => m.role === 'user')?.content ?? '');
      const tags = readTags(said);
      return { text: tags ? scriptedReply(tags.callId, tags.turn) : 'We open at nine.' };
    },
  });

  // Its own event-loop lag is part of every measured frame latency: the bench reports it beside the edge's.
  answerLoopStats();
  process.on('message', (command: { type?: string }) => {
    if (command?.type === 'count') {
      let arrivals = 0;
      for (const state of listens) arrivals += state.count;
      report({ type: 'count', arrivals });
      return;
    }
    if (command?.type !== 'collect') return;
    const records: ListenRecord[] = [];
    let unidentifiedSockets = 0;
    for (const state of listens) {
      if (state.callId === null) unidentifiedSockets++;
      else records.push({ callId: state.callId, arrivalsMs: state.arrivals.slice(0, state.count), openedMs: state.openedMs });
    }
    report({ type: 'collected', listens: records, replies, unidentifiedSockets, ttsChunks });
  });
  exitWithParent(async () => {
    for (const ws of sockets) ws.terminate();
    server.closeAllConnections();
    await openai.close();
  });
  report({ type: 'ready', deepgramUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, openaiUrl: openai.url });
}

void main();
