// HTTP Range for one byte range, against the answers RFC 9110 §14 gives for a 1000-byte object.
import { describe, expect, it } from 'vitest';
import { resolveRange } from '../src/modules/artifacts/byte-range.ts';

describe('resolveRange', () => {
  it.each([
    [undefined, { kind: 'whole' }],
    ['bytes=0-499', { kind: 'part', start: 0, end: 499 }],
    ['bytes=500-999', { kind: 'part', start: 500, end: 999 }],
    ['bytes=500-', { kind: 'part', start: 500, end: 999 }],
    ['bytes=-500', { kind: 'part', start: 500, end: 999 }],
    ['bytes=-1', { kind: 'part', start: 999, end: 999 }],
    ['bytes=-5000', { kind: 'part', start: 0, end: 999 }], // longer than the object: all of it
    ['bytes=990-5000', { kind: 'part', start: 990, end: 999 }], // past the end: cut there
    ['bytes=999-999', { kind: 'part', start: 999, end: 999 }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=1000-1005', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=5-2', { kind: 'whole' }], // invalid: ignored
    ['bytes=0-1,5-6', { kind: 'whole' }], // several ranges: served whole
    ['items=0-1', { kind: 'whole' }],
    ['bytes=-', { kind: 'whole' }],
    ['bytes=a-b', { kind: 'whole' }],
  ])('%s', (header, answer) => {
    expect(resolveRange(header, 1000)).toEqual(answer);
  });

  it('finds nothing satisfiable in an empty object', () => {
    expect(resolveRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange('bytes=-10', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange(undefined, 0)).toEqual({ kind: 'whole' });
  });
});
