// Signal-quality measures for resampler evaluation: SNR against a reference signal, and a tone's gain.

/** SNR of `test` against `reference` in dB over their common length, after shifting `test` by `delay` samples. */
export function snrDb(reference: Int16Array, test: Int16Array, delay = 0, skip = 0): number {
  let signal = 0;
  let noise = 0;
  const length = Math.min(reference.length, test.length - delay);
  for (let i = skip; i < length - skip; i++) {
    const r = reference[i];
    const e = test[i + delay] - r;
    signal += r * r;
    noise += e * e;
  }
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}

export function sineWave(hz: number, rateHz: number, samples: number, amplitude = 10000): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rateHz)));
}

/** RMS gain in dB of `output` relative to a sine of `amplitude`, skipping the filter's start-up. */
export function toneGainDb(output: Int16Array, amplitude: number, skip: number): number {
  let sum = 0;
  let n = 0;
  for (let i = skip; i < output.length - skip; i++) { sum += output[i] * output[i]; n++; }
  const rms = Math.sqrt(sum / Math.max(1, n));
  return rms > 0 ? 20 * Math.log10(rms / (amplitude / Math.SQRT2)) : -140;
}
