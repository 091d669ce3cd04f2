// The live monitor in a real browser: a real control serving the dashboard's build, a real edge connected to it
// (its live socket to control's internal API, no Redis), and a simulated Twilio call on the offline engines. The
// person opens the call from the Live page and sees the caller's meter move and the transcript appear while it runs.
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startControl, type RunningControl } from '../../control/src/start-control.ts';
import { startEdge, type RunningEdge } from '../../edge/src/start-edge.ts';
import { mintMediaToken } from '../../edge/src/auth/media-token.ts';
import { silentLogger } from '../../edge/src/util/log.ts';
import { placeTwilioCall, type CallerResult } from '../../edge/src/sim/carrier-caller.ts';
import { silenceFrames, speechFrames } from '../../edge/src/sim/caller-sounds.ts';
import { chromiumMissing, launch, seriousA11yViolations } from './browser.ts';

const dist = new URL('../dist/index.html', import.meta.url);
const shots = new URL('../test-results/', import.meta.url).pathname;
const INTERNAL_TOKEN = 'live-test-internal';

describe.skipIf(chromiumMissing)('the live monitor in Chromium', () => {
  let control: RunningControl;
  let edge: RunningEdge;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let call: Promise<CallerResult>;

  beforeAll(async () => {
    if (!existsSync(dist)) throw new Error('dashboard/dist is missing: run `npm run build` first');
    mkdirSync(shots, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'invorto-live-'));
    [control, browser] = await Promise.all([startControl({ host: '127.0.0.1', port: 0, internalPort: 0, dataDir, internalToken: INTERNAL_TOKEN }), launch()]);
    const mediaTokenSecret = randomBytes(16).toString('hex');
    // The edge writes its timeline where this control reads it, and opens its live socket to control's internal API.
    edge = await startEdge({
      host: '127.0.0.1', port: 0, controlUrl: control.internalUrl, dataDir, internalToken: INTERNAL_TOKEN, maxMessageBytes: 65536,
      mediaTokenSecret, maxCalls: 4, noMediaTimeoutMs: 10_000, drainMs: 1000, edgeId: 'edge-live-browser', heartbeatMs: 500,
      keys: { deepgramApiKey: '', deepgramBaseUrl: '', openaiApiKey: '', openaiBaseUrl: '', openaiModel: 'gpt-4o-mini' }, log: silentLogger,
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${control.url}/login?next=%2Flive`);
    await page.getByLabel('Email').fill(control.newLogin!.email);
    await page.getByLabel('Password').fill(control.newLogin!.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/live$/);
    await page.getByText('No call is in progress').waitFor();
    const token = mintMediaToken(mediaTokenSecret, { tenantId: control.tenantId, agentId: 'demo', expiresAt: Date.now() / 1000 + 600 });
    // The greeting waited out in silence, then a question the offline recogniser knows, then quiet until hang-up.
    const frames = [...silenceFrames(8000), ...(await speechFrames('I would like to book an appointment please.')), ...silenceFrames(500)];
    call = placeTwilioCall({ url: `${edge.url.replace(/^http/, 'ws')}/media/twilio?token=${token}`, frames, quietHangupMs: 3000, maxDurationMs: 40_000 });
  }, 60_000);

  afterAll(async () => {
    await call?.catch(() => null);
    await browser?.close();
    await edge?.close();
    await control?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the call, and its view shows the meter moving and the transcript appearing while it runs', async () => {
    await page.getByRole('link', { name: /^Watch / }).click();
    await page.getByRole('heading', { level: 1, name: 'Live call' }).waitFor();
    const callerMeter = page.getByRole('progressbar', { name: 'Caller level' });
    const agentMeter = page.getByRole('progressbar', { name: 'Agent level' });
    const seen = { caller: new Set<string>(), agent: new Set<string>() };
    const transcript = page.getByTestId('live-transcript');
    const deadline = Date.now() + 30_000;
    let heard = '';
    while (Date.now() < deadline) {
      seen.caller.add(String(await callerMeter.getAttribute('aria-valuenow')));
      seen.agent.add(String(await agentMeter.getAttribute('aria-valuenow')));
      heard = (await transcript.innerText()).trim();
      if (seen.caller.size >= 3 && !/Nothing said yet/.test(heard) && heard) break;
      await page.waitForTimeout(100);
    }
    await page.screenshot({ path: join(shots, 'live-call.png'), fullPage: true });
    console.log(`live monitor: caller meter took ${seen.caller.size} values (${[...seen.caller].join(', ')}), agent ${seen.agent.size}; transcript "${heard}"`);
    expect(seen.caller.size).toBeGreaterThanOrEqual(3);
    expect(seen.agent.size).toBeGreaterThanOrEqual(2);
    expect(heard).not.toMatch(/Nothing said yet/);
    expect(heard.toLowerCase()).toMatch(/appointment|book/);
    expect(await page.getByTestId('live-state').innerText()).toMatch(/LISTENING|PROCESSING|SPEAKING/);
    expect(await seriousA11yViolations(page), 'axe on the live call').toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(shots, 'live-call-390.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, 'no sideways scrolling at 390 px').toBeLessThanOrEqual(0);
  }, 60_000);

  it('says when the call has ended, and the list empties', async () => {
    const result = await call;
    expect(result.closeCode).toBe(1000);
    await page.getByText('The call has ended').waitFor();
    await page.getByRole('link', { name: 'All live calls' }).click();
    await page.getByText('No call is in progress').waitFor();
    expect(await seriousA11yViolations(page), 'axe on the live list').toEqual([]);
  }, 60_000);
});
