// `invorto bench <suite>`: suites register here by name and load lazily.
type Suite = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<void> }> };

const suites: Record<string, Suite> = {
  artifacts: { summary: 'artifact store upload throughput (5 MB, 50 MB) to a local signature-checking S3-API server: the S3 store (multipart) vs one plain PutObject vs the local-disk store', load: () => import('./suites/artifacts.ts') },
  control: { summary: 'GET /v1/calls over 100,000 calls (filtered, paginated) and the edge\'s agent look-up cold and warm, on SQLite and PostgreSQL, vs the hand-written control of before the rewrite', load: () => import('./suites/control.ts') },
  dsp: { summary: 'WASM dsp kernels vs plain-TS reference vs peer packages; VAD accuracy; jitter buffer', load: () => import('./suites/dsp.ts') },
  live: { summary: 'what watching a call live costs its edge: CPU per watched call per second of call and messages a second, watched vs unwatched windows of the same calls on a real edge and redis-server', load: () => import('./suites/live.ts') },
  load: { summary: 'concurrent simulated calls against an edge process (providers emulated in another): frames lost, frame latency, CPU and memory per call, vs a ws + plain-TS baseline', load: () => import('./suites/load.ts') },
  recording: { summary: 'the call recorder\'s cost per call per second of audio (CPU µs, bytes held) for 100 concurrent recorders fed 60 s of frames, vs frames kept in an array of Buffers', load: () => import('./suites/recording.ts') },
  providers: { summary: 'phrase cache time to first audio per tier (memory, disk, S3) vs the TTS provider; language detection accuracy; token counting on its thread vs the main thread', load: () => import('./suites/providers.ts') },
  turns: { summary: 'turn-taking through a real edge with emulated providers: end-of-turn and barge-in latency, cut-offs, false interruptions', load: () => import('./suites/turns.ts') },
};

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const suite = name ? suites[name] : undefined;
  if (!suite) {
    const list = Object.entries(suites).map(([n, s]) => `  ${n}  ${s.summary}`).join('\n');
    console.error(`usage: invorto bench <suite> [options]\n\nsuites:\n${list}`);
    return name ? 2 : 0;
  }
  await (await suite.load()).run(rest);
  return 0;
}
