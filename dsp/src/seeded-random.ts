// Seeded randomness for synthetic signals and traces: the same seed gives the same numbers on every machine, so a
// generated fixture is reproducible byte for byte.

/** xorshift32: uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state / 0x100000000;
  };
}

/** Standard normal numbers (Box-Muller) from a uniform source. */
export function gaussianFrom(uniform: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
}
