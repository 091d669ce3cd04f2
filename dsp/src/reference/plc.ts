// Plain-TypeScript packet-loss concealment, step for step the same as dsp/assembly/plc.ts (G.711 Appendix I style):
// the parity reference and benchmark baseline.

export class ReferencePlc {
  readonly #rate: number;
  readonly #frame: number;
  readonly #history: Int16Array;
  #pitch = 0;
  #erased = 0;

  constructor(sampleRateHz: number) {
    this.#rate = sampleRateHz;
    this.#frame = sampleRateHz / 50;
    this.#history = new Int16Array(Math.floor((sampleRateHz * 39) / 800));
  }

  #remember(pcm: Int16Array): void {
    this.#history.copyWithin(0, pcm.length);
    this.#history.set(pcm, this.#history.length - pcm.length);
  }

  #findPitch(): number {
    const h = this.#history;
    const window = this.#rate / 50;
    const minLag = this.#rate / 200;
    const maxLag = (this.#rate * 3) / 200;
    let best = -1;
    let bestLag = maxLag;
    for (let lag = minLag; lag <= maxLag; lag++) {
      let cross = 0;
      let energy = 1;
      for (let i = h.length - window; i < h.length; i++) {
        const past = h[i - lag];
        cross += h[i] * past;
        energy += past * past;
      }
      const score = cross / Math.sqrt(energy);
      if (score > best) { best = score; bestLag = lag; }
    }
    return bestLag;
  }

  #continuation(n: number): number {
    const h = this.#history;
    const periods = n < this.#rate / 100 ? 1 : n < this.#rate / 50 ? 2 : 3;
    const span = this.#pitch * periods;
    let value = h[h.length - span + (n % span)];
    const quarter = this.#pitch >> 2;
    if (n < quarter && quarter > 0) {
      const w = (n + 1) / (quarter + 1);
      value = w * value + (1 - w) * h[h.length - this.#pitch + n];
    }
    return value;
  }

  #gain(n: number): number {
    const tenMs = this.#rate / 100;
    if (n < tenMs) return 1;
    const g = 1 - (0.2 * (n - tenMs)) / tenMs;
    return g > 0 ? g : 0;
  }

  conceal(out = new Int16Array(this.#frame)): Int16Array {
    if (this.#erased === 0) this.#pitch = this.#findPitch();
    for (let i = 0; i < this.#frame; i++) {
      const n = this.#erased + i;
      const v = Math.round(this.#continuation(n) * this.#gain(n));
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    this.#erased += this.#frame;
    return out;
  }

  good(pcm: Int16Array): Int16Array {
    if (this.#erased > 0) {
      const tenMs = this.#rate / 100;
      let merge = this.#rate / 250 + (this.#erased > tenMs ? (this.#rate / 250) * Math.trunc((this.#erased - tenMs) / tenMs) : 0);
      if (merge > tenMs) merge = tenMs;
      for (let i = 0; i < merge; i++) {
        const w = (i + 1) / (merge + 1);
        const v = Math.round(w * pcm[i] + (1 - w) * this.#continuation(this.#erased + i) * this.#gain(this.#erased + i));
        pcm[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      this.#erased = 0;
    }
    this.#remember(pcm);
    return pcm;
  }
}
