// The dsp suite: each part is its own file under bench/src/dsp/ and writes its own report.
const parts: Record<string, () => Promise<{ run(argv: string[]): Promise<void> }>> = {
  kernels: () => import('../dsp/kernels.ts'),
  vad: () => import('../dsp/vad-accuracy.ts'),
  chain: () => import('../dsp/chain.ts'),
  jitter: () => import('../dsp/jitter.ts'),
};

export async function run(argv: string[]): Promise<void> {
  const only = argv.filter((a) => !a.startsWith('-'));
  const selected = only.length ? only : Object.keys(parts);
  for (const name of selected) {
    const load = parts[name];
    if (!load) throw new Error(`unknown dsp bench part "${name}" (have: ${Object.keys(parts).join(', ')})`);
    console.error(`\n== bench dsp ${name}`);
    await (await load()).run(argv);
  }
}
