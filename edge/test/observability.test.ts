// The alert rules and the Grafana dashboard stay true to the code: promtool accepts and unit-tests the rules, every
// invorto_* metric they name is registered by EdgeMetrics, and every runbook link lands on a heading of the guide.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { EdgeMetrics } from '../src/metrics/edge-metrics.ts';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const RULES = 'edge/observability/alerts.yml';
const RULE_TESTS = 'edge/observability/alerts.test.yml';
const DASHBOARD = 'edge/observability/grafana-dashboard.json';
const GUIDE = 'docs/operations.md';
const read = (path: string) => readFileSync(join(root, path), 'utf8');

const promtool = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
const skipReason = promtool ? '' : ' [skipped: promtool is not installed; apt-get install prometheus]';
if (!promtool) console.warn(`observability.test.ts:${skipReason}`);
const runPromtool = (...args: string[]) => spawnSync(promtool, args, { cwd: root, encoding: 'utf8' });

// The rules file is written in one plain style (`- alert:` items, `key: value` lines), so it is read without a YAML
// library; the promtool test below checks this reading found as many rules as Prometheus does.
interface AlertRule { name: string; text: string }
function alertRules(yaml: string): AlertRule[] {
  return yaml.split(/^(?=\s*- alert:)/m).slice(1).map((text) => ({ name: /- alert:\s*(\S+)/.exec(text)![1], text }));
}
const field = (rule: AlertRule, key: string) => [...rule.text.matchAll(new RegExp(`^\\s+${key}:\\s*"?(.*?)"?\\s*$`, 'gm'))].map((m) => m[1]);

const metricNames = (text: string) => new Set(text.match(/\binvorto_[a-z0-9_]+/g) ?? []);

interface Panel { type: string; title?: string; id: number; datasource?: { uid: string }; targets?: { expr: string; datasource?: { uid: string } }[]; panels?: Panel[] }
const dashboard = JSON.parse(read(DASHBOARD)) as { __inputs: { name: string }[]; panels: Panel[]; templating: { list: { name: string; query: string | { query: string } }[] }; schemaVersion: number };
const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
const dashboardExprs = allPanels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title ?? '', expr: t.expr })));
const variableQueries = dashboard.templating.list.map((v) => (typeof v.query === 'string' ? v.query : v.query.query));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');

describe('edge observability: alert rules', () => {
  const rules = alertRules(read(RULES));

  it(`promtool check rules accepts ${RULES} and finds every rule${skipReason}`, { skip: !promtool }, () => {
    const result = runPromtool('check', 'rules', RULES);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const found = Number(/SUCCESS: (\d+) rules found/.exec(result.stdout)?.[1]);
    expect(found).toBe(rules.length + (read(RULES).match(/^\s*- record:/gm)?.length ?? 0));
  });

  it(`promtool test rules passes ${RULE_TESTS}${skipReason}`, { skip: !promtool }, () => {
    const result = runPromtool('test', 'rules', RULE_TESTS);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS/);
  });

  it('the unit tests cover the important alerts and name only alerts that exist', () => {
    const defined = new Set(rules.map((r) => r.name));
    const tested = new Set([...read(RULE_TESTS).matchAll(/^\s*alertname:\s*(\S+)/gm)].map((m) => m[1]));
    // promtool passes a test of a misspelt alert that expects nothing, so check the names here.
    expect([...tested].filter((name) => !defined.has(name))).toEqual([]);
    for (const name of ['InvortoTurnLatencyHigh', 'InvortoProviderBreakerOpen', 'InvortoTimelineSpoolGrowing', 'InvortoTimelineSpoolNotDraining', 'InvortoProviderErrorRateHigh']) {
      expect(tested, `${RULE_TESTS} has no test for ${name}`).toContain(name);
    }
  });

  it('every alert has a severity, a summary, a description and a runbook_url into the operations guide', () => {
    expect(rules.length).toBeGreaterThan(10);
    for (const rule of rules) {
      expect(field(rule, 'severity'), `${rule.name}: severity`).toEqual([expect.stringMatching(/^(critical|warning|info)$/)]);
      expect(field(rule, 'summary'), `${rule.name}: summary`).toEqual([expect.stringMatching(/\S/)]);
      expect(field(rule, 'description'), `${rule.name}: description`).toEqual([expect.stringMatching(/\S/)]);
      expect(field(rule, 'runbook_url'), `${rule.name}: runbook_url`).toEqual([expect.stringMatching(/^docs\/operations\.md#[\w-]+$/)]);
    }
  });

  it(`every runbook_url anchor is a heading of ${GUIDE}`, () => {
    const anchors = new Set([...read(GUIDE).matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchor(m[1])));
    const missing = rules.map((r) => field(r, 'runbook_url')[0].split('#')[1]).filter((a) => !anchors.has(a));
    expect(missing, `runbook anchors with no heading in ${GUIDE}`).toEqual([]);
  });
});

describe('edge observability: metric names match the code', () => {
  let registered: Map<string, string>;
  beforeAll(async () => {
    const metrics = new EdgeMetrics();
    try {
      registered = new Map((await metrics.registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]));
    } finally {
      metrics.close();
    }
  });

  // A histogram is registered by its base name; queries read its _bucket, _sum and _count series.
  const unregistered = (names: Iterable<string>) => [...names].filter((name) => {
    if (registered.has(name)) return false;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return !(base !== name && ['histogram', 'summary'].includes(registered.get(base) ?? ''));
  }).sort();

  it(`every invorto_* metric in ${RULES} is registered by EdgeMetrics`, () => {
    expect(unregistered(metricNames(read(RULES))), `in ${RULES} but not in EdgeMetrics().registry`).toEqual([]);
  });

  it(`every invorto_* series in ${RULE_TESTS} is registered by EdgeMetrics`, () => {
    expect(unregistered(metricNames(read(RULE_TESTS))), `in ${RULE_TESTS} but not in EdgeMetrics().registry`).toEqual([]);
  });

  it(`every invorto_* metric in ${DASHBOARD} is registered by EdgeMetrics`, () => {
    const names = metricNames([...dashboardExprs.map((e) => e.expr), ...variableQueries].join('\n'));
    expect(names.size).toBeGreaterThan(20);
    expect(unregistered(names), `in ${DASHBOARD} but not in EdgeMetrics().registry`).toEqual([]);
  });
});

describe('edge observability: dashboard', () => {
  it('is importable: a DS_PROMETHEUS input every query uses, an instance variable, and the rows', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(38);
    expect(dashboard.__inputs.map((i) => i.name)).toContain('DS_PROMETHEUS');
    expect(dashboard.templating.list.map((v) => v.name)).toContain('instance');
    const panels = allPanels(dashboard.panels);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels.filter((p) => p.type !== 'row')) {
      expect(p.datasource?.uid, p.title).toBe('${DS_PROMETHEUS}');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource?.uid, p.title).toBe('${DS_PROMETHEUS}');
    }
    const rows = panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(expect.arrayContaining(['Calls', 'Latency', 'Media', 'Providers', 'Timeline', 'Process']));
  });

  it('every metric selector in a panel follows the instance variable', () => {
    const unfiltered = dashboardExprs.flatMap(({ panel, expr }) => [...expr.matchAll(/\binvorto_[a-z0-9_]+(\{[^}]*\})?/g)]
      .filter((m) => !m[1]?.includes('instance=~"$instance"'))
      .map((m) => `${panel}: ${m[0]}`));
    expect(unfiltered).toEqual([]);
  });

  it(`every panel query is valid PromQL (checked by promtool)${skipReason}`, { skip: !promtool }, () => {
    // Grafana's variables replaced by what they expand to, each query as a recording rule promtool can parse.
    const dir = mkdtempSync(join(tmpdir(), 'invorto-dashboard-'));
    try {
      const file = join(dir, 'dashboard-queries.yml');
      const rules = dashboardExprs.map(({ expr }, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(expr.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*'))}`);
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      const result = runPromtool('check', 'rules', '--lint=none', file);
      expect(result.status, result.stdout + result.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
