// Shape checks for the Prometheus Operator's kinds, which kubernetes-models has no schema for: the fields the
// operator reads, with their types (monitoring.coreos.com/v1).
import { expect } from 'vitest';

export interface K8sObject { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: unknown; data?: Record<string, string> }

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

function metadata(object: K8sObject): void {
  expect(object.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  expect(object.metadata.namespace, `${object.kind} ${object.metadata.name} namespace`).toBeTruthy();
}

export function checkServiceMonitor(object: K8sObject): void {
  metadata(object);
  const spec = object.spec;
  expect(isRecord(spec)).toBe(true);
  const { selector, endpoints } = spec as Record<string, unknown>;
  expect(isRecord(selector) && isRecord(selector.matchLabels), 'spec.selector.matchLabels').toBe(true);
  expect(Array.isArray(endpoints) && endpoints.length > 0, 'spec.endpoints').toBe(true);
  for (const endpoint of endpoints as Record<string, unknown>[]) {
    expect(typeof endpoint.port, 'endpoint.port (a Service port name)').toBe('string');
    if (endpoint.path !== undefined) expect(endpoint.path).toMatch(/^\//);
    for (const key of ['interval', 'scrapeTimeout']) if (endpoint[key] !== undefined) expect(endpoint[key], key).toMatch(DURATION);
  }
}

export function checkPrometheusRule(object: K8sObject): void {
  metadata(object);
  const groups = (object.spec as { groups?: unknown }).groups;
  expect(Array.isArray(groups) && groups.length > 0, 'spec.groups').toBe(true);
  const groupNames = new Set<string>();
  for (const group of groups as Record<string, unknown>[]) {
    expect(typeof group.name).toBe('string');
    expect(groupNames.has(group.name as string), `group ${group.name} twice`).toBe(false);
    groupNames.add(group.name as string);
    expect(Array.isArray(group.rules) && (group.rules as unknown[]).length > 0, `group ${group.name} rules`).toBe(true);
    for (const rule of group.rules as Record<string, unknown>[]) {
      expect(typeof rule.alert === 'string' || typeof rule.record === 'string', 'a rule is an alert or a recording').toBe(true);
      expect(typeof rule.expr === 'string' && (rule.expr as string).trim().length > 0, `${rule.alert} expr`).toBe(true);
      if (rule.for !== undefined) expect(rule.for, `${rule.alert} for`).toMatch(DURATION);
      for (const key of ['labels', 'annotations']) {
        if (rule[key] === undefined) continue;
        expect(isRecord(rule[key])).toBe(true);
        for (const value of Object.values(rule[key] as object)) expect(typeof value, `${rule.alert} ${key}`).toBe('string');
      }
    }
  }
}
