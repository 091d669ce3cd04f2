// What counting tokens on the tokenizer thread costs and saves, against gpt-tokenizer on the main thread (what the
// edge did before): microseconds per count for messages of a call (tinybench, both in this process), and the JS heap
// the main thread holds once the tokenizer is loaded (each measured in a fresh child process, after a full GC).
import { execFileSync } from 'node:child_process';
import { Bench } from 'tinybench';
import { countTokens as inProcess } from 'gpt-tokenizer/encoding/o200k_base';
import { TokenCounter } from '@invorto/edge/runtime/token-count.ts';
import type { Row } from '../report.ts';

const MESSAGES = {
  'a short reply (9 words)': 'We are open from nine to six, Monday to Saturday.',
  'a caller turn (40 words)': 'Hi, yes, I booked a table for four people on Friday evening at eight under the name Sharma, and I wanted to ask whether we could move it to Saturday at the same time, or a little earlier if that is easier.',
  'a system prompt (2 KB)': 'You are a helpful, concise receptionist for a restaurant. Answer in one or two short sentences. '.repeat(20),
};

/** The main thread's JS heap after a full GC, in a fresh process that loaded the tokenizer the given way. */
function heapWithTokenizer(way: 'none' | 'in-process' | 'thread'): number {
  const load = {
    none: '',
    'in-process': "const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base'); countTokens('warm up');",
    thread: "const { TokenCounter } = await import('@invorto/edge/runtime/token-count.ts'); const c = new TokenCounter(); await c.ready(); c.count('warm up');",
  }[way];
  const script = `${load} globalThis.gc(); globalThis.gc(); process.stdout.write(String(process.memoryUsage().heapUsed));`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  return Number(out) / 1e6;
}

export async function measureTokenCounting(): Promise<{ rows: Row[]; heapRows: Row[]; summary: Record<string, unknown> }> {
  const counter = new TokenCounter();
  await counter.ready();
  const rows: Row[] = [];
  const summary: Record<string, unknown> = {};
  for (const [label, text] of Object.entries(MESSAGES)) {
    if (counter.count(text) !== inProcess(text)) throw new Error(`token counts differ for ${label}`);
    const bench = new Bench({ time: 1000, warmupTime: 200 });
    bench.add('thread', () => { counter.count(text); });
    bench.add('in-process', () => { inProcess(text); });
    console.error(`token counting, ${label}: running…`);
    await bench.run();
    const us = (name: string) => (bench.getTask(name)!.result as { latency: { mean: number } }).latency.mean * 1e3;
    rows.push({ message: label, tokens: inProcess(text), 'thread µs': us('thread'), 'in-process µs': us('in-process'), 'thread ÷ in-process': us('thread') / us('in-process') });
    summary[label] = { threadUs: us('thread'), inProcessUs: us('in-process') };
  }
  await counter.close();
  console.error('token counting: main-thread heap, three fresh processes…');
  const [none, mainThread, thread] = (['none', 'in-process', 'thread'] as const).map(heapWithTokenizer);
  const heapRows: Row[] = [
    { tokenizer: 'not loaded', 'main-thread JS heap MB': none, 'held by the tokenizer MB': 0 },
    { tokenizer: 'gpt-tokenizer on the main thread (before)', 'main-thread JS heap MB': mainThread, 'held by the tokenizer MB': mainThread - none },
    { tokenizer: 'the tokenizer thread (now)', 'main-thread JS heap MB': thread, 'held by the tokenizer MB': thread - none },
  ];
  summary.heapMb = { none, inProcess: mainThread, thread };
  return { rows, heapRows, summary };
}
