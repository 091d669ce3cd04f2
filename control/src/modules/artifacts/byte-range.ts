// HTTP Range (RFC 9110 §14) for one byte range: `bytes=a-b`, `bytes=a-` and `bytes=-n`. A header this does not
// understand (another unit, several ranges) is ignored and the whole object served, as the RFC allows; a range
// that starts past the end is unsatisfiable (416), one that runs past it is cut at the end.

export type RangeAnswer =
  | { kind: 'whole' }
  | { kind: 'part'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

export function resolveRange(header: string | undefined, size: number): RangeAnswer {
  if (!header) return { kind: 'whole' };
  const match = SINGLE_RANGE.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'whole' };
  const [, first, last] = match;
  if (first === '') {
    // A suffix: the last n bytes (all of them when n is larger than the object).
    const suffixBytes = Number(last);
    if (suffixBytes === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(0, size - suffixBytes), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return { kind: 'whole' }; // invalid, so ignored (RFC 9110 §14.1.1)
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', start, end };
}
