// The recording player in a real browser against a real `invorto start` (control serving the dashboard's build, an
// edge on the offline engines): two simulated Twilio calls, one to an agent that records and one to the demo agent,
// which does not. After hang-up the person finds the recorded call in the calls list with its cost in INR, opens it,
// sees the stereo waveform, plays it (the <audio> element's time advances), seeks by keyboard, by clicking the
// waveform and by choosing a transcript line, and the highlighted line is the one being spoken — checked against
// the recording itself, read here with the edge's own WAV parser and the dsp package's G.711 decoder. The call
// without a recording shows the empty state; control failing and a damaged file show errors with a retry.
// axe on each state, light and dark screenshots in dashboard/test-results/.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { decodeMulaw } from '@invorto/dsp/g711.ts';
import { spawnInvorto, type InvortoProcess } from '../../edge/test/helpers/invorto-process.ts';
import { mintMediaToken } from '../../edge/src/auth/media-token.ts';
import { mediaTokenSecretFor } from '../../edge/src/start-edge.ts';
import { placeTwilioCall, type CallerResult } from '../../edge/src/sim/carrier-caller.ts';
import { silenceFrames, speechFrames } from '../../edge/src/sim/caller-sounds.ts';
import { parseWav } from '../../edge/src/recording/wav.ts';
import { chromiumMissing, launch, seriousA11yViolations } from './browser.ts';

const dist = new URL('../dist/index.html', import.meta.url);
const shots = new URL('../test-results/', import.meta.url).pathname;

/** Where a channel is loud: 100 ms windows with RMS above 300 (about -40 dBFS), runs closer than 0.5 s merged. */
function voiced(samples: Int16Array, rateHz: number): { startS: number; endS: number }[] {
  const window = rateHz / 10;
  const runs: { startS: number; endS: number }[] = [];
  for (let i = 0; i + window <= samples.length; i += window) {
    let sum = 0;
    for (let k = i; k < i + window; k++) sum += samples[k]! * samples[k]!;
    if (Math.sqrt(sum / window) < 300) continue;
    const startS = i / rateHz;
    const last = runs.at(-1);
    if (last && startS - last.endS < 0.5) last.endS = startS + 0.1;
    else runs.push({ startS, endS: startS + 0.1 });
  }
  return runs.filter((r) => r.endS - r.startS >= 0.3);
}

describe.skipIf(chromiumMissing)('the recording player in Chromium, against invorto start', () => {
  let invorto: InvortoProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let control: string;
  let apiKey: string;
  let recorded: CallerResult;
  let unrecorded: CallerResult;
  /** The recorded call's WAV as the edge stored it: each channel's loud spans. */
  let truth: { durationS: number; caller: { startS: number; endS: number }[]; agent: { startS: number; endS: number }[] };

  const api = (path: string, init: RequestInit & { json?: unknown } = {}) => fetch(`${control}${path}`, {
    ...init, body: init.json === undefined ? init.body : JSON.stringify(init.json),
    headers: { authorization: `Bearer ${apiKey}`, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
  });
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const audio = () => page.getByTestId('recording-audio').evaluate((a: HTMLAudioElement) => ({ timeS: a.currentTime, paused: a.paused }));
  const current = () => page.locator('[aria-current="true"]');
  const waveform = () => page.getByRole('slider', { name: /Recording position/ });
  /** Clicks the waveform at `timeS` (its x maps linearly to time). */
  async function clickWaveformAt(timeS: number) {
    const box = (await waveform().boundingBox())!;
    await page.mouse.click(box.x + (box.width * timeS) / truth.durationS, box.y + box.height / 2);
  }
  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
    for (const deadline = Date.now() + timeoutMs; !(await check());) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    if (!existsSync(dist)) throw new Error('dashboard/dist is missing: run `npm run build` first');
    mkdirSync(shots, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'invorto-player-'));
    invorto = spawnInvorto(['start', '--control-port', '0', '--internal-port', '0', '--edge-port', '0', '--sip-port=-1', '--data-dir', dataDir], { INVORTO_LOG_LEVEL: 'warn' });
    browser = await launch();
    for (const deadline = Date.now() + 60_000; !/login\s+\S+ \/ \S+/.test(invorto.output());) {
      if (Date.now() > deadline || invorto.child.exitCode !== null) throw new Error(`invorto start did not come up:\n${invorto.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const output = invorto.output();
    control = /control\s+(http:\/\/\S+)/.exec(output)![1]!;
    apiKey = /API key\s+(ivk_\S+)/.exec(output)![1]!;
    const media = /media\s+(ws:\/\/\S+)\?token/.exec(output)![1]!;
    const [, email, password] = /login\s+(\S+) \/ (\S+)/.exec(output)!;
    // An agent that records: the demo agent's settings with stereo mu-law recording.
    const { config } = await (await api('/v1/agents/demo')).json() as { config: Record<string, unknown> };
    const created = await api('/v1/agents', { method: 'POST', json: { ...config, id: 'recorded', name: 'Recorded front desk', recording: { mode: 'stereo', encoding: 'mulaw' } } });
    expect(created.status, await created.clone().text()).toBe(201);
    const call = async (agentId: string) => {
      const token = mintMediaToken(mediaTokenSecretFor('', dataDir), { tenantId: 'default', agentId, expiresAt: Date.now() / 1000 + 600 });
      const frames = [...silenceFrames(1000), ...(await speechFrames('What are your opening hours?')), ...silenceFrames(500)];
      return placeTwilioCall({ url: `${media}?token=${token}`, frames, quietHangupMs: 3000, maxDurationMs: 40_000, afterGreeting: true });
    };
    [recorded, unrecorded] = await Promise.all([call('recorded'), call('demo')]);
    expect([recorded.closeCode, unrecorded.closeCode]).toEqual([1000, 1000]);
    // The recording is uploaded after hang-up; the unrecorded call's record ends.
    let wav: Uint8Array | null = null;
    for (const deadline = Date.now() + 20_000; !wav && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      const response = await api(`/v1/calls/${recorded.callId}/recording`);
      if (response.ok) wav = new Uint8Array(await response.arrayBuffer());
    }
    expect(wav, 'the recorded call\'s recording in control').not.toBeNull();
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      if ((await (await api(`/v1/calls/${unrecorded.callId}`)).json() as { endedAt: string | null }).endedAt) break;
    }
    // The calls list shows a cost once the call's billing record is priced (after its timeline is ingested): on a
    // loaded host that can come after the recording, and the list would show '—' until it refreshes.
    let priced = false;
    for (const deadline = Date.now() + 60_000; !priced && Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      const response = await api(`/v1/billing/records/${recorded.callId}`);
      priced = response.ok && ((await response.json()) as { current: { status: string } }).current.status === 'priced';
    }
    expect(priced, 'the recorded call priced in control').toBe(true);
    const info = parseWav(wav!);
    const data = wav!.subarray(info.dataOffset, info.dataOffset + info.dataBytes);
    const left = decodeMulaw(data.filter((_, i) => i % 2 === 0));
    const right = decodeMulaw(data.filter((_, i) => i % 2 === 1));
    truth = { durationS: left.length / info.sampleRateHz, caller: voiced(left, info.sampleRateHz), agent: voiced(right, info.sampleRateHz) };
    console.log(`recording: ${truth.durationS.toFixed(2)} s (${info.encoding}); caller speaks ${truth.caller.map((r) => `${r.startS.toFixed(1)}-${r.endS.toFixed(1)}`).join(', ')} s; agent ${truth.agent.map((r) => `${r.startS.toFixed(1)}-${r.endS.toFixed(1)}`).join(', ')} s`);
    expect(truth.caller.length).toBeGreaterThanOrEqual(1);
    expect(truth.agent.length).toBeGreaterThanOrEqual(2);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
    await page.goto(`${control}/login?next=%2Fcalls`);
    await page.getByLabel('Email').fill(email!);
    await page.getByLabel('Password').fill(password!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/calls$/);
  }, 210_000);

  afterAll(async () => {
    await browser?.close();
    if (invorto) { await invorto.stop().catch(() => null); invorto.kill(); }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds the recorded call in the calls list with its cost in INR and shows its stereo waveform', async () => {
    const row = page.getByRole('row', { name: new RegExp(`Call ${recorded.callId}`) });
    await row.getByRole('cell', { name: /^₹\d/ }).waitFor();
    await row.getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: `Call ${recorded.callId}` }).waitFor();
    await waveform().waitFor();
    // wavesurfer draws each channel on its own canvas, in its shadow root (which the locator pierces).
    await until('both channels drawn', async () => (await page.locator('[data-testid="recording-waveform"] canvas').count()) >= 2);
    const recording = page.getByRole('region', { name: 'Recording' });
    expect(await recording.getByText('Caller', { exact: true }).isVisible()).toBe(true);
    expect(await recording.getByText('Agent', { exact: true }).isVisible()).toBe(true);
    expect(await recording.getByText('Stereo, 8 kHz, G.711 mu-law').isVisible()).toBe(true);
    expect(await page.getByTestId('recording-time').innerText()).toBe(`0:00.0 / ${(await waveform().getAttribute('aria-valuetext'))!.split(' of ')[1]}`);
    const durationText = (await waveform().getAttribute('aria-valuetext'))!.split(' of ')[1]!;
    const [m, s] = durationText.split(':').map(Number);
    expect(Math.abs(m! * 60 + s! - truth.durationS)).toBeLessThan(0.06);
    const download = page.getByRole('link', { name: 'Download WAV' });
    expect(await download.getAttribute('download')).toBe(`${recorded.callId}.wav`);
    await shot('call-recording');
    expect(await seriousA11yViolations(page), 'axe on the call page with the player').toEqual([]);
  });

  it('plays: the audio element\'s time advances; pause stops it', async () => {
    const before = await audio();
    expect(before).toEqual({ timeS: 0, paused: true });
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await until('playback to pass 1 s', async () => (await audio()).timeS > 1);
    const playing = await audio();
    expect(playing.paused).toBe(false);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const paused = await audio();
    expect(paused.paused).toBe(true);
    await page.waitForTimeout(300);
    expect((await audio()).timeS).toBeCloseTo(paused.timeS, 2);
    expect(await page.getByTestId('recording-time').innerText()).toMatch(/^0:0[1-9]\.\d \//);
  });

  it('seeks from the keyboard on the waveform (arrows ±5 s, Home, End) and by clicking it', async () => {
    await waveform().focus();
    await page.keyboard.press('Home');
    expect((await audio()).timeS).toBe(0);
    await page.keyboard.press('ArrowRight');
    expect((await audio()).timeS).toBeCloseTo(5, 1);
    expect(await waveform().getAttribute('aria-valuenow')).toBe('5');
    await page.keyboard.press('ArrowRight');
    expect((await audio()).timeS).toBeCloseTo(10, 1);
    await page.keyboard.press('ArrowLeft');
    expect((await audio()).timeS).toBeCloseTo(5, 1);
    await page.keyboard.press('End');
    expect((await audio()).timeS).toBeCloseTo(truth.durationS, 1);
    await page.keyboard.press('Home');
    // Seeks that come faster than the element finishes the last one (keys pressed in one task) all count: the last wins.
    await waveform().evaluate((slider) => {
      for (const key of ['End', 'Home', 'ArrowRight', 'ArrowRight']) slider.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
    });
    await until('quick seeks to end at 10 s', async () => Math.abs((await audio()).timeS - 10) < 0.15, 3000);
    const target = truth.durationS * 0.6;
    await clickWaveformAt(target);
    await until('the click to seek', async () => Math.abs((await audio()).timeS - target) < 0.15);
    expect((await audio()).paused).toBe(true);
    // Dragging along the waveform moves with the pointer, and past its end stops at the end.
    const box = (await waveform().boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 4 });
    await until('the drag to 40 %', async () => Math.abs((await audio()).timeS - truth.durationS * 0.4) < 0.15);
    await page.mouse.move(box.x + box.width + 40, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    await until('the drag past the end', async () => Math.abs((await audio()).timeS - truth.durationS) < 0.15);
    expect(await waveform().getAttribute('aria-valuenow')).toBe(String(Math.round(truth.durationS)));
  });

  it('highlights the line being spoken: the caller\'s while the caller\'s channel speaks, the agent\'s while the agent\'s does', async () => {
    const speakerAt = async (timeS: number) => {
      await clickWaveformAt(timeS);
      await until(`the position ${timeS.toFixed(2)} s`, async () => Math.abs((await audio()).timeS - timeS) < 0.15);
      return current().getAttribute('data-speaker');
    };
    for (const span of truth.agent) expect([span, await speakerAt((span.startS + span.endS) / 2)]).toEqual([span, 'agent']);
    for (const span of truth.caller) expect([span, await speakerAt((span.startS + span.endS) / 2)]).toEqual([span, 'caller']);
    // Each line's start (shown on it) is where its speaker's channel starts speaking in the recording.
    const lines = page.getByTestId('transcript').getByRole('button');
    const starts = await lines.evaluateAll((buttons) => buttons.map((b) => ({ speaker: b.getAttribute('data-speaker'), text: b.textContent ?? '' })));
    const parse = (text: string) => { const [, m, s] = /Play from (\d+):(\d+\.\d)/.exec(text)!; return Number(m) * 60 + Number(s); };
    const agentStarts = starts.filter((l) => l.speaker === 'agent').map((l) => parse(l.text));
    const callerStarts = starts.filter((l) => l.speaker === 'caller').map((l) => parse(l.text));
    console.log(`line starts: agent ${agentStarts.join(', ')} s, caller ${callerStarts.join(', ')} s`);
    // (A line may span several loud stretches, a pause between sentences: its start is the first of them.)
    const nearest = (startS: number, spans: { startS: number }[]) => Math.min(...spans.map((span) => Math.abs(span.startS - startS)));
    agentStarts.forEach((startS, i) => expect(nearest(startS, truth.agent), `agent line ${i} at ${startS} s`).toBeLessThan(0.5));
    callerStarts.forEach((startS, i) => expect(nearest(startS, truth.caller), `caller line ${i} at ${startS} s`).toBeLessThan(0.25));
    expect(agentStarts.length).toBeGreaterThanOrEqual(2);
    expect(callerStarts.length).toBeGreaterThanOrEqual(1);
  });

  it('a chosen line plays from its start, and the highlight moves on with playback', async () => {
    const callerLine = page.getByTestId('transcript').locator('[data-speaker="caller"]').first();
    await callerLine.click();
    expect(await callerLine.getAttribute('aria-current')).toBe('true');
    const started = await audio();
    expect(started.paused).toBe(false);
    expect(Math.abs(started.timeS - truth.caller[0]!.startS)).toBeLessThan(0.5);
    // The agent answers next: the highlight moves to its line as the audio reaches it.
    const replyS = truth.agent.find((span) => span.startS > truth.caller[0]!.endS)!.startS;
    await until('the reply to become the current line', async () => (await current().getAttribute('data-speaker')) === 'agent', (replyS - started.timeS + 5) * 1000);
    expect((await audio()).timeS).toBeGreaterThan(replyS - 0.6);
    // Enter on a focused line does the same as a click.
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await callerLine.focus();
    await page.keyboard.press('Enter');
    await until('Enter to seek to the caller\'s line', async () => (await current().getAttribute('data-speaker')) === 'caller');
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
  });

  it('looks right in the dark theme, and on a phone', async () => {
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await page.waitForTimeout(300);
    await shot('call-recording-dark');
    expect(await seriousA11yViolations(page), 'axe on the player, dark').toEqual([]);
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await page.getByRole('region', { name: 'Recording' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'call-recording-390.png') }); // the player and the transcript, not the long tables
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 'no sideways scrolling at 390 px').toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('on a touch screen a tap on the waveform seeks', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, storageState: await page.context().storageState() });
    try {
      const touch = await phone.newPage();
      await touch.goto(`${control}/calls/${recorded.callId}`);
      const slider = touch.getByRole('slider', { name: /Recording position/ });
      await slider.scrollIntoViewIfNeeded();
      const box = (await slider.boundingBox())!;
      await touch.touchscreen.tap(box.x + box.width * 0.3, box.y + box.height / 2);
      const timeS = () => touch.getByTestId('recording-audio').evaluate((a: HTMLAudioElement) => a.currentTime);
      await until('the tap to seek', async () => Math.abs((await timeS()) - truth.durationS * 0.3) < 0.15);
    } finally {
      await phone.close();
    }
  });

  it('a call without a recording shows the empty state', async () => {
    await page.goto(`${control}/calls/${unrecorded.callId}`);
    await page.getByText('No recording for this call.').waitFor();
    expect(await page.getByRole('slider', { name: /Recording position/ }).count()).toBe(0);
    await page.getByRole('region', { name: 'Transcript' }).getByText('Hello, thank you for calling.').waitFor();
    await shot('call-no-recording');
    expect(await seriousA11yViolations(page), 'axe on a call without a recording').toEqual([]);
  });

  it('control not answering, and a damaged file, show errors with a retry that works', async () => {
    await page.route('**/v1/calls/*/recording', (route) => route.abort('connectionrefused'));
    await page.goto(`${control}/calls/${recorded.callId}`);
    const recording = page.getByRole('region', { name: 'Recording' });
    await recording.getByText('Control is not answering. Check that it is running, then retry.').waitFor();
    await shot('call-recording-error');
    expect(await seriousA11yViolations(page), 'axe on the recording error').toEqual([]);
    await page.unroute('**/v1/calls/*/recording');
    await recording.getByRole('button', { name: 'Retry' }).click();
    await waveform().waitFor();

    // The file cut short in transit: a clear message, not a silent player.
    await page.route('**/v1/calls/*/recording', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, body: (await response.body()).subarray(0, 20_000) });
    });
    await page.reload();
    await recording.getByText(/The recording could not be read: the recording is truncated: its "data" chunk declares \d+ bytes but the file holds 19942/).waitFor();
    await page.unroute('**/v1/calls/*/recording');
  });
});
