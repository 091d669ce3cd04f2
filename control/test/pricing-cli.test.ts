// `invorto pricing` against a running control: the same API, validation and permissions as any client.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPricing } from '../src/cli/pricing-command.ts';
import { startTestControl, type TestControl } from './helpers/test-control.ts';

describe('invorto pricing', () => {
  let t: TestControl;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await startTestControl('sqlite');
    env = { INVORTO_API_URL: t.url, INVORTO_API_KEY: t.apiKey };
  });
  afterAll(async () => { await t?.close(); });
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runPricing(argv, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('sets a price from a date, lists the book and refuses a bad price with the reason', async () => {
    const set = await run('set', 'asr', 'deepgram', 'nova-3', '0.0080', '--from', '2026-09-01', '--source', 'deepgram.com/pricing, read 2026-08-20');
    expect(set).toMatchObject({ code: 0, out: expect.stringMatching(/^added pr_\S+: asr deepgram\/nova-3 0\.0080 USD\/minute from 2026-08-31 18:30Z \(closes pr_default_asr_deepgram_nova-3 there\)$/) });
    const list = await run('list', '--model', 'nova-3');
    expect(list.out.split('\n')).toHaveLength(2);
    expect(list.out).toMatch(/0\.0077 USD\/minute .*→ 2026-08-31 18:30Z/);
    const bad = await run('set', '--from', '2027-01-01', '--', 'asr', 'deepgram', 'nova-3', '-1');
    expect(bad).toMatchObject({ code: 1, err: expect.stringMatching(/400 price may not be negative .*\(\$\.price\)/) });
  });

  it('sets rates and tenant terms', async () => {
    expect((await run('fx', '84.10', '--from', '2026-10-01')).out).toMatch(/1 USD = ₹84\.10 from 2026-09-30 18:30Z \(closes fx_default there\)/);
    expect((await run('fx')).out.split('\n')).toHaveLength(2);
    const terms = await run('tenant', t.tenantId, '--markup', '25', '--budget-paise', '100000');
    expect(JSON.parse(terms.out)).toMatchObject({ markupPercent: '25', monthlyBudgetPaise: 100000 });
  });

  it('is registered with the invorto command', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/invorto.js', 'pricing', 'fx'], { env: { ...process.env, ...env }, cwd: new URL('../..', import.meta.url).pathname });
    expect(stdout).toMatch(/84\.10/);
  });
});
