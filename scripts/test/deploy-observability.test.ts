// Prometheus and Grafana for the compose stack: the scrape config (promtool, when installed, with the repository's
// alert rules), and the provisioned dashboard, which must stay the repository's edge dashboard on real metrics.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { read, root } from './deploy-helpers.ts';

const DASHBOARD = 'deploy/grafana/dashboards/invorto-edge.json';
const SOURCE_DASHBOARD = 'edge/observability/grafana-dashboard.json';

/** Metric names the edge registers in edge/src/metrics, plus prom-client's process metrics
 * under the prefix edge-metrics.ts gives them. */
function edgeMetricNames(): { names: Set<string>; defaultPrefix: string } {
  const names = new Set<string>();
  for (const file of readdirSync(join(root, 'edge/src/metrics'))) {
    // `name: 'invorto_…'` for prom-client metrics, and the first argument of the dsp's FrameHistogram.
    for (const match of read(`edge/src/metrics/${file}`).matchAll(/(?:name: |new FrameHistogram\()'(invorto_[a-z0-9_]+)'/g)) names.add(match[1]);
  }
  const defaultPrefix = /collectDefaultMetrics\(\{[^}]*prefix: '([a-z_]+)'/.exec(read('edge/src/metrics/edge-metrics.ts'))![1];
  return { names, defaultPrefix };
}

interface Panel { title?: string; type?: string; panels?: Panel[]; targets?: { expr?: string }[]; datasource?: { uid?: string } }
const panelsOf = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);

describe('deploy/prometheus/prometheus.yml', () => {
  const config = parse(read('deploy/prometheus/prometheus.yml'));

  it('scrapes the edges as job invorto-edge, the job the alert rules name', () => {
    const jobs = config.scrape_configs.map((j: { job_name: string }) => j.job_name);
    expect(jobs).toContain('invorto-edge');
    const alertJobs = new Set([...read('edge/observability/alerts.yml').matchAll(/job="([^"]+)"/g)].map((m) => m[1]));
    for (const job of alertJobs) expect(jobs, `the alert rules query job ${job}`).toContain(job);
    const edge = config.scrape_configs.find((j: { job_name: string }) => j.job_name === 'invorto-edge');
    expect(edge.metrics_path ?? '/metrics').toBe('/metrics');
    expect(read('edge/src/server/edge-server.ts')).toContain("get('/metrics'");
  });

  it('scrapes control as job invorto-control on its internal port, where control serves /metrics', () => {
    const control = config.scrape_configs.find((j: { job_name: string }) => j.job_name === 'invorto-control');
    expect(control.metrics_path ?? '/metrics').toBe('/metrics');
    expect(read('control/src/app.ts')).toMatch(/buildInternalApp[\s\S]*\.get\('\/metrics'/);
    const port = parse(read('deploy/docker-compose.yml')).services.control.environment.INVORTO_INTERNAL_PORT;
    expect(control.static_configs.flatMap((c: { targets: string[] }) => c.targets)).toEqual([`control:${port}`]);
  });

  const promtool = spawnSync('promtool', ['--version']).status === 0;
  it.skipIf(!promtool)('passes `promtool check config`, with the alert rules where compose mounts them (promtool installed)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'invorto-prometheus-'));
    try {
      // The config names the rules by their path in the container; point it at a copy of the same file.
      const [ruleGlob] = config.rule_files as string[];
      const rulesDir = join(dir, 'rules');
      mkdirSync(rulesDir);
      copyFileSync(join(root, 'edge/observability/alerts.yml'), join(rulesDir, 'invorto-edge.yml'));
      const text = read('deploy/prometheus/prometheus.yml').replace(ruleGlob, join(rulesDir, ruleGlob.split('/').at(-1)!));
      writeFileSync(join(dir, 'prometheus.yml'), text);
      const check = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  if (!promtool) console.warn('[deploy] promtool is not installed (apt-get install prometheus): prometheus.yml is not checked with promtool');
});

describe('the Grafana dashboard provisioned in compose (deploy/grafana)', () => {
  const dashboard = JSON.parse(read(DASHBOARD));
  const panels = panelsOf(dashboard.panels as Panel[]);
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? '')).filter(Boolean);

  it('is the repository edge dashboard with its datasource bound to the provisioned Prometheus', () => {
    const datasource = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')).datasources[0];
    const source = JSON.parse(read(SOURCE_DASHBOARD));
    for (const key of ['__inputs', '__requires', '__elements']) delete source[key];
    const expected = JSON.parse(JSON.stringify(source).split('${DS_PROMETHEUS}').join(datasource.uid));
    expect(dashboard).toEqual(expected);
    expect(JSON.stringify(dashboard)).not.toContain('${DS_');
    for (const panel of panels) if (panel.datasource) expect(panel.datasource.uid, panel.title).toBe(datasource.uid);
  });

  it('queries only metrics the edge exports', () => {
    const { names, defaultPrefix } = edgeMetricNames();
    expect(names.size).toBeGreaterThan(20);
    let seen = 0;
    for (const expr of exprs) {
      for (const [metric] of expr.matchAll(/\binvorto_[a-z0-9_]+/g)) {
        seen++;
        const base = metric.replace(/_(bucket|sum|count)$/, '');
        expect(names.has(metric) || names.has(base) || metric.startsWith(defaultPrefix), `${metric} in ${expr}`).toBe(true);
      }
    }
    expect(seen).toBeGreaterThan(30);
  });

  it('shows end-of-turn, barge-in and per-stage TTFB latency, active calls, frames lost and provider errors', () => {
    const queries = exprs.join('\n');
    expect(queries).toMatch(/histogram_quantile\(0\.\d+, sum by \(le\) \(rate\(invorto_end_of_turn_latency_seconds_bucket/);
    expect(queries).toMatch(/histogram_quantile\(0\.\d+, sum by \(le\) \(rate\(invorto_barge_in_latency_seconds_bucket/);
    expect(queries).toMatch(/histogram_quantile\(0\.\d+, sum by \(stage, [^)]*\) \(rate\(invorto_provider_ttfb_seconds_bucket/);
    expect(queries).toContain('invorto_active_calls');
    expect(queries).toContain('invorto_media_frames_dropped_total');
    expect(queries).toContain('invorto_media_frames_concealed_total');
    expect(queries).toMatch(/sum by \(stage, provider\) \(rate\(invorto_provider_errors_total/);
  });

  it('is loaded by the provisioning provider from where compose mounts it', () => {
    const provider = parse(read('deploy/grafana/provisioning/dashboards/invorto.yml')).providers[0];
    const compose = parse(read('deploy/docker-compose.yml'), { merge: true });
    const mounts: string[] = compose.services.grafana.volumes;
    expect(mounts).toContain(`./grafana/dashboards:${provider.options.path}:ro`);
    expect(mounts).toContain('./grafana/provisioning:/etc/grafana/provisioning:ro');
  });
});
