// Frame energy: RMS over i16 samples (full scale 32768) and its dBFS. Silence is -120 dBFS, never -Infinity or NaN.

export const SILENCE_DBFS: f64 = -120.0;

export function frameRms(ptr: usize, n: i32): f64 {
  if (n <= 0) return 0.0;
  let sum: f64 = 0.0;
  for (let i = 0; i < n; i++) {
    const s = <f64>load<i16>(ptr + (<usize>i << 1));
    sum += s * s;
  }
  return Math.sqrt(sum / <f64>n);
}

/** dBFS of an RMS value, full-scale sine = -3.01 dBFS (the AES17 convention would add 3.01; we do not). */
export function rmsToDbfs(rms: f64): f64 {
  if (!(rms > 0.0)) return SILENCE_DBFS;
  const db = 20.0 * Math.log10(rms / 32768.0);
  return db < SILENCE_DBFS ? SILENCE_DBFS : db;
}
