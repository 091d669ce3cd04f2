// The edge's side of the provider-stream protocol (docs/provider-stream.md): one WebSocket per session to a
// customer's engine, binary protobuf ProviderFrames, a hello first. This file owns the socket; asr.ts and tts.ts
// translate frames to the provider interfaces.
import WebSocket from 'ws';
import { v1 } from '@invorto/proto';

export const PROTOCOL_VERSION = 1;

export type ProviderFrame = ReturnType<typeof v1.ProviderFrame.decode>;
type FrameBody = Omit<ConstructorParameters<typeof v1.ProviderFrame>[0] & object, 'version'>;

export interface StreamSocket {
  send(body: FrameBody): void;
  onFrame(listener: (frame: ProviderFrame) => void): void;
  onClose(listener: (reason: string) => void): void;
  close(): void;
}

/** Opens the engine's socket and sends the hello; fails with a message naming the URL when it cannot. */
export function openStream(url: string, hello: { kind: 'asr' | 'tts'; encoding: string; sampleRateHz: number; language: string; voice?: string }, signal: AbortSignal, timeoutMs = 3000): Promise<StreamSocket> {
  return new Promise((resolve, reject) => {
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
    } catch (error) {
      reject(new Error(`provider stream: bad engine URL "${url}": ${(error as Error).message}`));
      return;
    }
    ws.binaryType = 'nodebuffer';
    const fail = (why: string) => { ws.terminate(); reject(new Error(`provider stream ${hello.kind} engine at ${url}: ${why}`)); };
    const onAbort = () => fail('call ended while connecting');
    signal.addEventListener('abort', onAbort, { once: true });
    ws.once('error', (error) => fail(error.message));
    ws.once('open', () => {
      signal.removeEventListener('abort', onAbort);
      const send = (body: FrameBody) => { if (ws.readyState === WebSocket.OPEN) ws.send(v1.ProviderFrame.encode(v1.ProviderFrame.create({ version: PROTOCOL_VERSION, ...body })).finish()); };
      send({ hello: { kind: hello.kind, encoding: hello.encoding, sampleRateHz: hello.sampleRateHz, language: hello.language, voice: hello.voice ?? '' } });
      const frameListeners: ((frame: ProviderFrame) => void)[] = [];
      const closeListeners: ((reason: string) => void)[] = [];
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        let frame: ProviderFrame;
        try {
          if (!isBinary) throw new Error('text message');
          frame = v1.ProviderFrame.decode(data);
        } catch (error) {
          // A malformed frame is the engine's bug: it ends this session (the call falls back or says so), not the node.
          for (const listener of closeListeners) listener(`malformed frame from the engine (${(error as Error).message})`);
          ws.terminate();
          return;
        }
        for (const listener of frameListeners) listener(frame);
      });
      ws.on('close', (code, reason) => { for (const listener of closeListeners) listener(`engine closed the socket (${code}${reason.length ? `: ${reason}` : ''})`); });
      ws.on('error', () => {}); // 'close' follows and reports
      resolve({
        send,
        onFrame: (listener) => { frameListeners.push(listener); },
        onClose: (listener) => { closeListeners.push(listener); },
        close: () => { if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000); },
      });
    });
  });
}
