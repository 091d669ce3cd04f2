/** A position in a recording as m:ss.s (tenths: a turn boundary is finer than a second). */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds * 10) / 10);
  const minutes = Math.floor(s / 60);
  return `${minutes}:${(s - minutes * 60).toFixed(1).padStart(4, '0')}`;
}
