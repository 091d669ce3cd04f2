// The load run as a picture: p99 frame latency (left axis, logarithmic: it spans 1 ms to seconds once an edge
// saturates, solid) and edge CPU (right axis, dashed) against concurrent calls, one colour per edge, with the 5 ms
// target drawn in. Plain SVG, no plotting library.
import type { RunResult } from './analysis.ts';

const WIDTH = 760;
const HEIGHT = 400;
const MARGIN = { left: 64, right: 72, top: 40, bottom: 56 };
const COLOURS: Record<string, string> = { invorto: '#1f6feb', baseline: '#d1242f', 'uws-wasm': '#8250df' };
const LABELS: Record<string, string> = { invorto: 'Invorto edge (uWS + WASM dsp)', baseline: 'baseline (ws + plain-TS dsp)', 'uws-wasm': 'baseline\'s code on uWS + WASM dsp' };

const niceMax = (value: number) => {
  const step = 10 ** Math.floor(Math.log10(Math.max(value, 1e-9)));
  return Math.ceil(value / step) * step;
};

type Level = RunResult['levels'][number];

/** What the x axis shows: concurrent calls (the default), or for a soak the minute each window ended. */
export interface PlotAxis {
  title: string;
  label: string;
  of(level: Level, index: number): number;
}

const CALLS_AXIS: PlotAxis = { title: 'frame latency and edge CPU against calls', label: 'concurrent calls', of: (l) => l.calls };

export function loadPlotSvg(runs: RunResult[], axis: PlotAxis = CALLS_AXIS): string {
  const levels = runs.flatMap((r) => r.levels);
  if (levels.length === 0) return '<svg xmlns="http://www.w3.org/2000/svg"/>';
  const xs = runs.flatMap((r) => r.levels.map((l, i) => axis.of(l, i)));
  const maxCalls = Math.max(...xs);
  const decades = { low: -1, high: Math.max(1, Math.ceil(Math.log10(Math.max(10, ...levels.map((l) => l.frame_latency_ms.p99 ?? 0))))) };
  const maxCpu = niceMax(Math.max(100, ...levels.map((l) => l.edge_cpu_percent)));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (calls: number) => MARGIN.left + (calls / maxCalls) * plotW;
  const yLatency = (ms: number) => {
    const decade = Math.min(decades.high, Math.max(decades.low, Math.log10(Math.max(ms, 1e-3))));
    return MARGIN.top + plotH - ((decade - decades.low) / (decades.high - decades.low)) * plotH;
  };
  const yCpu = (percent: number) => MARGIN.top + plotH - (percent / maxCpu) * plotH;
  const parts: string[] = [];
  const text = (tx: number, ty: number, body: string, anchor = 'middle', extra = '') => parts.push(`<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}" text-anchor="${anchor}" ${extra}>${body}</text>`);
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  for (let decade = decades.low; decade <= decades.high; decade++) {
    const gy = yLatency(10 ** decade);
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${gy}" y2="${gy}" stroke="#eee"/>`);
    text(MARGIN.left - 6, gy + 4, String(10 ** decade), 'end');
  }
  for (let i = 0; i <= 5; i++) text(MARGIN.left + plotW + 6, MARGIN.top + plotH - (i / 5) * plotH + 4, `${((i / 5) * maxCpu).toFixed(0)}`, 'start');
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${yLatency(5)}" y2="${yLatency(5)}" stroke="#2da44e" stroke-dasharray="2 3"/>`);
  text(MARGIN.left + plotW - 4, yLatency(5) - 4, '5 ms', 'end', 'fill="#2da44e"');
  for (const calls of [...new Set(xs)]) {
    parts.push(`<line x1="${x(calls)}" x2="${x(calls)}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 5}" stroke="#888"/>`);
    text(x(calls), MARGIN.top + plotH + 18, String(calls));
  }
  text(MARGIN.left + plotW / 2, HEIGHT - 14, axis.label);
  text(18, MARGIN.top + plotH / 2, 'p99 frame latency (ms), solid', 'middle', `transform="rotate(-90 18 ${MARGIN.top + plotH / 2})"`);
  text(WIDTH - 16, MARGIN.top + plotH / 2, 'edge CPU (% of one core), dashed', 'middle', `transform="rotate(90 ${WIDTH - 16} ${MARGIN.top + plotH / 2})"`);
  text(WIDTH / 2, 22, `invorto bench load: ${axis.title}`, 'middle', 'font-weight="bold"');
  runs.forEach((run, index) => {
    const colour = COLOURS[run.edge] ?? '#555';
    const points = (y: (l: Level) => number) => run.levels.map((l, i) => `${x(axis.of(l, i)).toFixed(1)},${y(l).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points((l) => yLatency(l.frame_latency_ms.p99 ?? 0))}"/>`);
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" stroke-dasharray="6 4" points="${points((l) => yCpu(l.edge_cpu_percent))}"/>`);
    for (const [i, l] of run.levels.entries()) parts.push(`<circle cx="${x(axis.of(l, i)).toFixed(1)}" cy="${yLatency(l.frame_latency_ms.p99 ?? 0).toFixed(1)}" r="3" fill="${colour}"/>`);
    const legendY = MARGIN.top + 16 + index * 18;
    parts.push(`<line x1="${MARGIN.left + 12}" x2="${MARGIN.left + 36}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${colour}" stroke-width="2"/>`);
    text(MARGIN.left + 42, legendY, LABELS[run.edge] ?? run.edge, 'start');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">\n${parts.join('\n')}\n</svg>\n`;
}
