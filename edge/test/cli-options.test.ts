// Command options: a list option (`invorto call --say A --say B`) collects every occurrence, in order.
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../bin/options.ts';

const specs = { say: { default: [] as string[], description: 'a sentence' }, voice: { env: 'TEST_VOICE', default: 'kal', description: 'a voice' } };

describe('command options', () => {
  it('a list option given several times keeps each value in order; given none, its default', () => {
    expect(parseOptions(specs, ['--say', 'Hello.', '--voice', 'slt', '--say', 'And on Sunday?'], {}).values).toEqual({ say: ['Hello.', 'And on Sunday?'], voice: 'slt' });
    expect(parseOptions(specs, [], { TEST_VOICE: 'awb' }).values).toEqual({ say: [], voice: 'awb' });
  });
});
