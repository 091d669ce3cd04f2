// A small provider-stream engine: it serves any Invorto ASR or TTS provider (the offline pocketsphinx and Flite by
// default) over the protocol, so customers have a working counterpart to read and to test their own engine against.
// One session per socket; the first frame must be the hello.
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { v1 } from '@invorto/proto';
import type { AsrProvider, AsrSession, AudioEncoding, TtsProvider, TtsSession } from '../types.ts';
import { PROTOCOL_VERSION, type ProviderFrame } from './stream-socket.ts';

export interface ReferenceEngine {
  url: string;
  close(): Promise<void>;
}

const ENCODINGS: AudioEncoding[] = ['mulaw', 'alaw', 'linear16'];

export async function startReferenceEngine(options: { asr: AsrProvider; tts: TtsProvider; host?: string; port?: number }): Promise<ReferenceEngine> {
  const server = new WebSocketServer({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  server.on('connection', (ws) => serve(ws, options));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function serve(ws: WebSocket, options: { asr: AsrProvider; tts: TtsProvider }): void {
  const abort = new AbortController();
  const send = (body: Record<string, unknown>) => { if (ws.readyState === ws.OPEN) ws.send(v1.ProviderFrame.encode(v1.ProviderFrame.create({ version: PROTOCOL_VERSION, ...body })).finish()); };
  const refuse = (message: string) => { send({ error: { message } }); ws.close(1008, message.slice(0, 100)); };
  let session: Promise<{ asr?: AsrSession; tts?: TtsSession } | null> | null = null;
  ws.on('close', () => {
    abort.abort();
    void session?.then((s) => { void s?.asr?.close(); void s?.tts?.close(); });
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    let frame: ProviderFrame;
    try {
      if (!isBinary) throw new Error('frames are binary protobuf');
      frame = v1.ProviderFrame.decode(data);
    } catch (error) {
      refuse(`malformed frame: ${(error as Error).message}`);
      return;
    }
    if (!session) {
      if (!frame.hello) return refuse('the first frame must be a hello');
      session = open(frame.hello, options, abort.signal, send).catch((error: Error) => { refuse(error.message); return null; });
      return;
    }
    void session.then((s) => s && handle(frame, s, send));
  });
}

async function open(hello: NonNullable<ProviderFrame['hello']>, options: { asr: AsrProvider; tts: TtsProvider }, signal: AbortSignal, send: (body: Record<string, unknown>) => void) {
  const encoding = hello.encoding as AudioEncoding;
  if (!ENCODINGS.includes(encoding)) throw new Error(`unsupported encoding "${hello.encoding}" (use ${ENCODINGS.join(', ')})`);
  const format = { encoding, sampleRateHz: hello.sampleRateHz ?? 8000 };
  const context = { callId: 'provider-stream', language: hello.language || 'en-US', signal };
  if (hello.kind === 'asr') {
    const asr = await options.asr.open(context, { format });
    asr.on('transcript', (t) => send({ transcript: { text: t.text, isFinal: t.isFinal, speechFinal: t.speechFinal, confidence: t.confidence } }));
    asr.on('error', (error) => send({ error: { message: error.message } }));
    return { asr };
  }
  if (hello.kind === 'tts') {
    const tts = await options.tts.open(context, { format, voice: hello.voice || undefined });
    tts.on('audio', (audio) => send({ audio: { payload: audio } }));
    tts.on('flushed', () => send({ control: { command: 'flushed' } }));
    tts.on('error', (error) => send({ error: { message: error.message } }));
    return { tts };
  }
  throw new Error(`unknown kind "${hello.kind}" (use asr or tts)`);
}

function handle(frame: ProviderFrame, session: { asr?: AsrSession; tts?: TtsSession }, send: (body: Record<string, unknown>) => void): void {
  const command = frame.control?.command;
  if (session.asr) {
    if (frame.audio?.payload) session.asr.push(new Uint8Array(frame.audio.payload));
    else if (command === 'finalize') session.asr.finalize();
    else if (command === 'close') void session.asr.close();
  } else if (session.tts) {
    if (frame.text) session.tts.speak(frame.text.text ?? '');
    else if (command === 'flush') session.tts.flush();
    else if (command === 'clear') {
      session.tts.clear();
      send({ control: { command: 'cleared' } });
    } else if (command === 'close') void session.tts.close();
  }
}
