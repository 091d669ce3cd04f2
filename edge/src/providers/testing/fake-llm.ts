// A fake LLM for tests: answers each request with what `answer` returns for its messages (text in word-sized
// chunks after `firstTokenMs`, or tool calls), then a usage chunk. Every request is kept.
import type { ChatMessage, LlmChunk, LlmClient, LlmRequest, ToolCallRequest } from '../types.ts';

export type FakeAnswer = string | { text?: string; toolCalls?: ToolCallRequest[] } | Error;

export class FakeLlm implements LlmClient {
  readonly requests: LlmRequest[] = [];

  constructor(
    private readonly answer: (messages: ChatMessage[]) => FakeAnswer = () => 'Okay.',
    private readonly options: { firstTokenMs?: number; chunkMs?: number } = {},
    readonly name = 'fake-llm',
  ) {}

  async *stream(request: LlmRequest): AsyncIterable<LlmChunk> {
    this.requests.push(request);
    const answer = this.answer(request.messages);
    const wait = (ms: number) => new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      request.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
    await wait(this.options.firstTokenMs ?? 5);
    if (answer instanceof Error) throw answer;
    const { text = '', toolCalls = [] } = typeof answer === 'string' ? { text: answer } : answer;
    let outputTokens = 0;
    for (const word of text.match(/\S+\s*/g) ?? []) {
      if (request.signal.aborted) return;
      yield { type: 'text', text: word };
      outputTokens++;
      if (this.options.chunkMs) await wait(this.options.chunkMs);
    }
    for (const call of toolCalls) yield { type: 'tool_call', call };
    yield { type: 'usage', inputTokens: request.messages.length * 10, outputTokens, model: 'fake' };
  }
}
