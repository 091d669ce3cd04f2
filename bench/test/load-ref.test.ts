// `invorto bench load --ref REV`: the options that name a revision are checked before anything starts.
import { describe, expect, it } from 'vitest';
import { refCheckout } from '../src/load/ref-checkout.ts';
import { run } from '../src/suites/load.ts';

describe('bench load --ref', () => {
  it('refuses a revision that is not a commit here, naming it', () => {
    expect(() => refCheckout('no-such-revision-0xdeadbeef', () => {})).toThrow('bad --ref "no-such-revision-0xdeadbeef": not a commit in this repository');
  });

  it('refuses the invorto-ref edge without a revision to run it from', async () => {
    await expect(run(['--edges', 'invorto,invorto-ref', '--calls', '1'])).rejects.toThrow('--edges invorto-ref needs --ref REV');
  });

  it('still refuses an edge kind it does not know', async () => {
    await expect(run(['--edges', 'invorto,nginx', '--calls', '1'])).rejects.toThrow('bad --edges "invorto,nginx": use any of invorto, baseline, uws-wasm, invorto-ref');
  });
});
