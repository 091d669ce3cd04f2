// The dashboard in a real browser against a real control serving its build: log in, create an agent, find a call,
// the cost and timeline of a call, a viewer who cannot edit, another tenant's call that never shows, an expired
// session that comes back to where it was; axe on every screen, and screenshots in dashboard/test-results/.
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startControl, type RunningControl } from '../../control/src/start-control.ts';
import { TenantService } from '../../control/src/modules/tenants/service.ts';
import { appendToTimeline, scriptedCall, until } from '../../control/test/helpers/call-events.ts';
import { chromiumMissing, launch, seriousA11yViolations } from './browser.ts';

const dist = new URL('../dist/index.html', import.meta.url);
const shots = new URL('../test-results/', import.meta.url).pathname;

describe.skipIf(chromiumMissing)('dashboard in Chromium', () => {
  let control: RunningControl;
  let dataDir: string;
  let browser: Browser;
  let owner: BrowserContext;
  let page: Page;

  const api = (path: string, init: RequestInit & { json?: unknown } = {}) => fetch(`${control.url}${path}`, {
    ...init, body: init.json === undefined ? init.body : JSON.stringify(init.json),
    headers: { authorization: `Bearer ${control.newApiKey}`, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
  });
  const shot = (name: string, p = page) => p.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  /** A screen fully loaded: screenshot, then axe (skipped where only the layout differs from a screen already checked). */
  async function screen(name: string, heading: string | RegExp, p = page, axe = true) {
    await p.getByRole('heading', { level: 1, name: heading }).waitFor();
    await p.getByRole('status').filter({ hasText: /^Loading/ }).first().waitFor({ state: 'detached' });
    await shot(name, p);
    if (axe) expect(await seriousA11yViolations(p), `axe on ${name}`).toEqual([]);
  }
  async function logIn(p: Page, email: string, password: string) {
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  beforeAll(async () => {
    if (!existsSync(dist)) throw new Error('dashboard/dist is missing: run `npm run build` first');
    mkdirSync(shots, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'invorto-dash-'));
    const started = Date.now();
    [control, browser] = await Promise.all([startControl({ host: '127.0.0.1', port: 0, internalPort: 0, dataDir, internalToken: 'dash-test' }), launch()]);
    const other = await new TenantService(control.ctx.database.db).createTenant('Tenant B');
    await appendToTimeline(dataDir, [
      ...scriptedCall({ callId: 'call-a1', startMs: started - 120_000, callerSays: 'I would like to book an appointment' }),
      ...scriptedCall({ callId: 'call-b1', tenantId: other.id, startMs: started - 60_000, callerSays: 'secret plans of tenant B' }),
    ]);
    await until(async () => (await api('/v1/calls/call-a1')).ok, 'call-a1 in control');
    owner = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    owner.setDefaultTimeout(15_000);
    page = await owner.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await control?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs in with the first-start login and lands where the visitor was going', async () => {
    await page.goto(`${control.url}/agents`);
    await page.waitForURL(/\/login\?next=%2Fagents/);
    await screen('login', 'Sign in to Invorto');
    await logIn(page, control.newLogin!.email, 'wrong password');
    await page.getByRole('alert').waitFor();
    await logIn(page, control.newLogin!.email, control.newLogin!.password);
    await page.waitForURL(/\/agents$/);
    await screen('agents', 'Agents');
  });

  it('creates an agent, with schema errors by field as the person types', async () => {
    await page.getByRole('link', { name: 'New agent' }).click();
    await page.getByRole('heading', { level: 1, name: 'New agent' }).waitFor();
    await page.getByLabel(/^Name/).fill('Front desk');
    await page.getByLabel('Language (BCP-47)').fill('english please');
    await page.getByText('use a BCP-47 tag such as "en-US"').waitFor();
    await shot('agent-create-error');
    await page.getByLabel('Language (BCP-47)').fill('en-IN');
    await page.getByLabel('Agent id (optional)').fill('front-desk');
    await screen('agent-create', 'New agent');
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.waitForURL(/\/agents\/front-desk$/);
    await screen('agent-settings', /Front desk/);
    // Edit, save a draft, see it in the versions with a diff.
    await page.getByLabel('Greeting').fill('Namaste! How may I help?');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Saved as version 2').waitFor();
    await page.getByRole('tab', { name: 'Versions' }).click();
    await page.getByRole('table', { name: 'Differences between v1 and v2' }).getByText('Namaste! How may I help?').waitFor();
    await screen('agent-versions', /Front desk/);
    await page.getByRole('tab', { name: 'Numbers' }).click();
    await page.getByLabel('Phone number (E.164)').fill('+918045550100');
    await page.getByRole('button', { name: 'Assign number' }).click();
    await page.getByRole('cell', { name: '+918045550100' }).waitFor();
    await screen('agent-numbers', /Front desk/);
  });

  it("finds a call in the calls list and shows its transcript, timings, tool calls, cost and timeline; never another tenant's", async () => {
    await page.getByRole('link', { name: 'Calls', exact: true }).click();
    await page.getByRole('link', { name: /Call call-a1/ }).waitFor();
    expect(await page.getByRole('link', { name: /Call call-b1/ }).count()).toBe(0);
    // Its cost in INR, from its billing record.
    await page.getByRole('row', { name: /Call call-a1/ }).getByRole('cell', { name: /^₹\d/ }).waitFor();
    await page.getByLabel('Transcript text').fill('appointment');
    await page.getByRole('link', { name: /Call call-a1/ }).waitFor();
    await screen('calls', 'Calls');
    await page.getByRole('link', { name: /Call call-a1/ }).click();
    await page.getByRole('heading', { name: 'Call call-a1' }).waitFor();
    await page.getByRole('table', { name: 'Tool calls' }).getByText('{"day":"monday"}').waitFor();
    await page.getByRole('table', { name: 'Turns with timings' }).getByText('650 ms').waitFor();
    await page.getByRole('table', { name: 'Event timeline' }).getByText('callEnded').waitFor();
    await page.getByTestId('call-total').getByText(/^₹\d+\.\d\d$/).waitFor();
    await screen('call', 'Call call-a1');
    // Tenant B's call id typed into the URL: not found, and nothing of it shows.
    await page.goto(`${control.url}/calls/call-b1`);
    await page.getByRole('heading', { name: 'Call not found' }).waitFor();
    expect(await page.getByText('secret plans of tenant B').count()).toBe(0);
    await shot('call-other-tenant');
  });

  it('shows the overview, billing and edges screens', async () => {
    await page.goto(`${control.url}/`);
    await page.getByRole('region', { name: 'Calls today' }).waitFor();
    await screen('overview', 'Overview');
    // Keyboard: the first Tab reaches the skip link; the dark theme passes axe too.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await screen('overview-dark', 'Overview');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    await page.getByRole('link', { name: 'Billing' }).click();
    await page.getByRole('heading', { name: 'Invoices' }).waitFor();
    await screen('billing', 'Billing');
    await page.getByRole('link', { name: 'Edges' }).click();
    await screen('edges', 'Edges');
  });

  it('works on a 390×844 phone screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await owner.storageState() });
    phone.setDefaultTimeout(15_000);
    const p = await phone.newPage();
    await p.goto(`${control.url}/calls`);
    await p.getByRole('link', { name: /Call call-a1/ }).waitFor();
    await screen('calls-phone', 'Calls', p, false);
    await p.goto(`${control.url}/agents/front-desk`);
    await screen('agent-settings-phone', /Front desk/, p, false);
    // No sideways scrolling of the page itself (wide tables scroll inside their own box).
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.close();
  });

  it('a viewer sees the agent but no edit controls', async () => {
    const created = await (await api('/v1/users', { method: 'POST', json: { email: 'viewer@example.test', role: 'viewer' } })).json() as { password: string };
    const viewer = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    viewer.setDefaultTimeout(15_000);
    const p = await viewer.newPage();
    await p.goto(`${control.url}/agents/front-desk`);
    await logIn(p, 'viewer@example.test', created.password);
    await p.getByText('You can read this agent; only admins and owners change it.').waitFor();
    expect(await p.getByRole('button', { name: /Save/ }).count()).toBe(0);
    await screen('agent-viewer', /Front desk/, p);
    await p.getByRole('link', { name: 'Agents', exact: true }).click();
    await p.getByRole('link', { name: 'Front desk' }).waitFor();
    expect(await p.getByRole('link', { name: 'New agent' }).count()).toBe(0);
    await viewer.close();
  });

  it('an expired session goes to the login page and back to where the person was', async () => {
    await page.evaluate(() => {
      const session = JSON.parse(localStorage.getItem('invorto.session')!);
      localStorage.setItem('invorto.session', JSON.stringify({ ...session, accessToken: 'expired', refreshToken: 'revoked' }));
    });
    await page.goto(`${control.url}/calls?q=appointment`);
    await page.getByText('Your session expired').waitFor();
    await logIn(page, control.newLogin!.email, control.newLogin!.password);
    await page.waitForURL(/\/calls\?q=appointment$/);
    await page.getByRole('link', { name: /Call call-a1/ }).waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
  });
});
