// Debian's chromium, driven by playwright-core (no browser download). Missing: CI fails with the fix; elsewhere the
// browser tests skip with the same message.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumMissing = existsSync(CHROMIUM) ? null : `the dashboard's browser tests need Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`;
if (chromiumMissing && process.env.CI) throw new Error(chromiumMissing);
if (chromiumMissing) console.warn(`[dashboard e2e] skipped: ${chromiumMissing}`);

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Flags that work in this sandbox: no GPU, no QUIC, and none of Chromium's background calls home.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core on the page as it is now: the serious and critical violations, as "rule: target" lines. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  // Let finite animations (MUI's fades and collapses) end first: text caught mid-fade reads as low contrast, and on
  // a loaded host a fade can still be running when the test gets here. Spinners run forever and are not waited for.
  await page.evaluate(() => Promise.race([
    Promise.all(document.getAnimations().filter((a) => a.effect?.getTiming().iterations !== Infinity).map((a) => a.finished.catch(() => null))),
    new Promise((resolve) => setTimeout(resolve, 5000)),
  ]));
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
}
