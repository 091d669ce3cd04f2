// The Deepgram emulator: one loopback server for live ASR (v1, and Flux on /v2/listen) and Aura TTS, checking the API
// key as Deepgram does.
import { readBody, startEmulatorServer } from './http-server.ts';
import { badRequestBody, fluxQueryProblem, handleFlux, type FluxRequestLog, type FluxScript } from './deepgram-flux.ts';
import { handleListen, listenRefused, type ListenRequestLog, type ListenScript } from './deepgram-listen.ts';
import { handleSpeak, speakRefused, synthesize, speakFormat, type SpeakRequestLog, type SpeakScript } from './deepgram-speak.ts';

export interface DeepgramEmulatorOptions {
  /** The key it accepts; several while a key is rotated (an account may hold an old and a new one). */
  apiKey?: string | string[];
  listen?: ListenScript;
  /** Deepgram Flux (`/v2/listen`). */
  flux?: FluxScript;
  speak?: SpeakScript;
}

export interface DeepgramEmulator {
  url: string;
  port: number;
  /** What each connection received, for tests to check the wire details. */
  listenRequests: ListenRequestLog[];
  fluxRequests: FluxRequestLog[];
  speakRequests: SpeakRequestLog[];
  restSpeakRequests: { query: Record<string, string>; text: string }[];
  close(): Promise<void>;
}

const INVALID_AUTH = JSON.stringify({ err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.', request_id: '00000000-0000-0000-0000-000000000000' });

export async function startDeepgramEmulator(options: DeepgramEmulatorOptions = {}): Promise<DeepgramEmulator> {
  const apiKeys = [options.apiKey ?? 'test-deepgram-key'].flat();
  const listenRequests: ListenRequestLog[] = [];
  const fluxRequests: FluxRequestLog[] = [];
  const speakRequests: SpeakRequestLog[] = [];
  const restSpeakRequests: { query: Record<string, string>; text: string }[] = [];
  const authorized = (header: string | undefined) => apiKeys.some((apiKey) => header === `Token ${apiKey}`);
  const server = await startEmulatorServer({
    async http(req, res, url) {
      if (!authorized(req.headers.authorization)) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(INVALID_AUTH);
        return;
      }
      if (req.method === 'POST' && url.pathname === '/v1/speak') {
        if (options.speak && speakRefused(options.speak)) {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"err_code":"SERVICE_UNAVAILABLE"}');
          return;
        }
        const body = JSON.parse(await readBody(req)) as { text?: string };
        restSpeakRequests.push({ query: Object.fromEntries(url.searchParams), text: String(body.text ?? '') });
        const { encoding } = speakFormat(url);
        const audio = synthesize(String(body.text ?? ''), url);
        res.writeHead(200, { 'content-type': encoding === 'mulaw' ? 'audio/basic' : 'application/octet-stream', 'dg-request-id': 'emulated' }).end(Buffer.from(audio));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ err_code: 'NOT_FOUND', err_msg: `no route ${req.method} ${url.pathname}` }));
    },
    upgrade(req, url) {
      if (!authorized(req.headers.authorization)) return { status: 401, body: INVALID_AUTH };
      if (url.pathname === '/v2/listen') {
        const problem = fluxQueryProblem(url);
        return problem ? { status: 400, body: badRequestBody(problem) } : null;
      }
      if (url.pathname !== '/v1/listen' && url.pathname !== '/v1/speak') return { status: 404, body: '{"err_code":"NOT_FOUND"}' };
      if (url.pathname === '/v1/speak' && options.speak && (options.speak.refuseWebSocket || speakRefused(options.speak))) return { status: 503, body: '{"err_code":"SERVICE_UNAVAILABLE"}' };
      if (url.pathname === '/v1/listen' && options.listen && listenRefused(options.listen)) return { status: 503, body: '{"err_code":"SERVICE_UNAVAILABLE"}' };
      return null;
    },
    websocket(ws, req, url) {
      const authorization = String(req.headers.authorization);
      if (url.pathname === '/v2/listen') handleFlux(ws, url, authorization, options.flux ?? { turns: [] }, fluxRequests);
      else if (url.pathname === '/v1/listen') handleListen(ws, url, authorization, options.listen ?? { utterances: [] }, listenRequests);
      else handleSpeak(ws, url, authorization, options.speak ?? {}, speakRequests);
    },
  });
  return { ...server, listenRequests, fluxRequests, speakRequests, restSpeakRequests };
}
