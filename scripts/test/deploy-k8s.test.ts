// Every Kustomize overlay rendered with `kubectl kustomize` and its objects checked: built-in kinds against the
// Kubernetes schemas (kubernetes-models), the Prometheus Operator's kinds by their shape, and what the edge needs
// to stop without cutting calls, to scale on active calls and to keep its secrets out of the manifests.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { documentedEnvVars, isPinned, read, root, secretEnvVars, servedGetPaths } from './deploy-helpers.ts';
import { checkPrometheusRule, checkServiceMonitor, type K8sObject } from './deploy-k8s-crds.ts';

/** apiVersion/kind -> the schema-checked model; a built-in kind missing here fails the test rather than pass unchecked. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace, 'v1/ConfigMap': ConfigMap, 'v1/Service': Service, 'v1/ServiceAccount': ServiceAccount,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim, 'apps/v1/Deployment': Deployment, 'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler, 'networking.k8s.io/v1/Ingress': Ingress, 'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};
const CRDS: Record<string, (o: K8sObject) => void> = {
  'monitoring.coreos.com/v1/ServiceMonitor': checkServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': checkPrometheusRule,
};

const overlays = readdirSync(join(root, 'deploy/k8s/overlays'));
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!kubectl) console.warn('[deploy] kubectl is not installed: the Kustomize overlays are not rendered or checked');

function render(overlay: string): K8sObject[] {
  const out = spawnSync('kubectl', ['kustomize', join(root, 'deploy/k8s/overlays', overlay)], { encoding: 'utf8' });
  expect(out.status, out.stderr).toBe(0);
  return parseAllDocuments(out.stdout).map((d) => d.toJSON() as K8sObject).filter(Boolean);
}

/** The edge's drain time: INVORTO_DRAIN_S on the container, else the option's default in start-edge.ts. */
function drainSeconds(container: Container): number {
  const set = container.env?.find((e) => e.name === 'INVORTO_DRAIN_S')?.value;
  if (set) return Number(set);
  return Number(/'drain-s': \{ env: 'INVORTO_DRAIN_S', default: (\d+)/.exec(read('edge/src/start-edge.ts'))![1]);
}

interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: unknown; fieldRef?: unknown } }
interface Container { name: string; image: string; env?: EnvVar[]; envFrom?: { configMapRef?: { name: string } }[]; securityContext?: Record<string, unknown>; lifecycle?: { preStop?: { exec?: { command: string[] } } }; readinessProbe?: { httpGet?: { path: string } }; livenessProbe?: { httpGet?: { path: string } }; ports?: { name?: string; containerPort: number }[] }
interface PodSpec { containers: Container[]; initContainers?: Container[]; securityContext?: { runAsNonRoot?: boolean; runAsUser?: number }; terminationGracePeriodSeconds?: number; hostNetwork?: boolean }

const podOf = (o: K8sObject) => (o.spec as { template: { spec: PodSpec; metadata: { labels: Record<string, string> } } }).template;
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.skipIf(!kubectl).each(overlays)('deploy/k8s/overlays/%s', (overlay) => {
  const objects = kubectl ? render(overlay) : [];
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const edge = find('Deployment', 'invorto-edge')!;

  it('renders only kinds that pass their schema', () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const object of objects) {
      const key = `${object.apiVersion}/${object.kind}`;
      const Model = MODELS[key];
      const crd = CRDS[key];
      expect(Model ?? crd, `${key} (${object.metadata.name}) has no schema check`).toBeDefined();
      if (Model) expect(() => new Model(object as never).validate(), `${key} ${object.metadata.name}`).not.toThrow();
      else crd(object);
    }
  });

  it('gives the edge a drain: a preStop hook and a grace period longer than the drain time', () => {
    const pod = podOf(edge).spec;
    const container = pod.containers.find((c) => c.name === 'edge')!;
    const drainS = drainSeconds(container);
    expect(drainS).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds ?? 30, `grace vs drain ${drainS} s`).toBeGreaterThan(drainS);
    const hook = container.lifecycle?.preStop?.exec?.command.join(' ') ?? '';
    expect(hook).toContain("process.kill(1, 'SIGTERM')");
    // The hook waits before signalling and gives up after the drain: both must fit in the grace period.
    const [waitMs, marginS] = [Number(/process\.kill\(1, 'SIGTERM'\), (\d+)\)/.exec(hook)![1]), Number(/drainS \+ (\d+)\)/.exec(hook)![1])];
    expect(waitMs / 1000 + drainS + marginS).toBeLessThan(pod.terminationGracePeriodSeconds!);
  });

  it('covers the edge with a PodDisruptionBudget and an HPA on the active-calls metric the edge exports', () => {
    const labels = podOf(edge).metadata.labels;
    const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget' && matches((o.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, labels));
    expect(pdbs).toHaveLength(1);
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && (o.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === 'invorto-edge');
    expect(hpa).toBeDefined();
    const spec = hpa!.spec as { scaleTargetRef: { kind: string; apiVersion: string }; metrics: { type: string; pods?: { metric: { name: string } } }[] };
    expect(spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', apiVersion: 'apps/v1' });
    const metric = spec.metrics.find((m) => m.type === 'Pods')?.pods?.metric.name;
    expect(read('edge/src/metrics/call-metrics.ts')).toContain(`name: '${metric}'`);
    expect(metric).toBe('invorto_active_calls');
  });

  it('runs no container as root', () => {
    for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
      const pod = podOf(deployment).spec;
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        const nonRoot = (container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) === true;
        const user = (container.securityContext?.runAsUser as number | undefined) ?? pod.securityContext?.runAsUser;
        expect(nonRoot, `${deployment.metadata.name}/${container.name}`).toBe(true);
        expect(user, `${deployment.metadata.name}/${container.name} runAsUser`).toBeGreaterThan(0);
        expect(container.securityContext?.allowPrivilegeEscalation, `${deployment.metadata.name}/${container.name}`).toBe(false);
        expect(isPinned(container.image), container.image).toBe(true);
      }
    }
  });

  it('takes every secret from a Secret (secretKeyRef), never as a value, and sets only documented variables', () => {
    const secrets = secretEnvVars();
    const documented = documentedEnvVars();
    let refs = 0;
    for (const deployment of objects.filter((o) => o.kind === 'Deployment' && /^invorto-(edge|control)$/.test(o.metadata.name))) {
      for (const container of podOf(deployment).spec.containers) {
        for (const env of container.env ?? []) {
          expect(documented.has(env.name), `${deployment.metadata.name}: ${env.name} is not in the README`).toBe(true);
          if (!secrets.has(env.name)) continue;
          expect(env.value, `${deployment.metadata.name}: ${env.name} has a literal value`).toBeUndefined();
          expect(env.valueFrom?.secretKeyRef?.name, `${deployment.metadata.name}: ${env.name}`).toBe('invorto-secrets');
          refs++;
        }
        for (const source of container.envFrom ?? []) {
          const map = find('ConfigMap', source.configMapRef!.name);
          expect(map, source.configMapRef!.name).toBeDefined();
          for (const key of Object.keys(map!.data ?? {})) {
            expect(documented.has(key), `${map!.metadata.name}: ${key}`).toBe(true);
            expect(secrets.has(key), `${map!.metadata.name}: secret ${key} in a ConfigMap`).toBe(false);
          }
        }
      }
    }
    expect(refs).toBeGreaterThanOrEqual(6);
    expect(objects.filter((o) => o.kind === 'Secret'), 'Secrets are created outside the manifests').toHaveLength(0);
  });

  it('probes edge and control on paths they serve, and the ServiceMonitor scrapes the edge Service as job invorto-edge', () => {
    for (const [name, service] of [['invorto-edge', 'edge'], ['invorto-control', 'control']] as const) {
      for (const container of podOf(find('Deployment', name)!).spec.containers) {
        for (const probe of [container.readinessProbe, container.livenessProbe]) expect(servedGetPaths(service)).toContain(probe?.httpGet?.path);
      }
    }
    const monitor = find('ServiceMonitor', 'invorto-edge')!;
    const spec = monitor.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
    const services = objects.filter((o) => o.kind === 'Service' && matches(spec.selector.matchLabels, o.metadata.labels ?? {}));
    expect(services.map((s) => s.metadata.name)).toEqual(['invorto-edge']); // job label = the Service's name
    expect(matches((services[0].spec as { selector: Record<string, string> }).selector, podOf(edge).metadata.labels)).toBe(true);
    const portNames = (services[0].spec as { ports: { name: string }[] }).ports.map((p) => p.name);
    for (const endpoint of spec.endpoints) {
      expect(portNames).toContain(endpoint.port);
      expect(servedGetPaths('edge')).toContain(endpoint.path);
    }
  });

  it('scrapes control\'s /metrics through the internal Service, as job invorto-control', () => {
    const spec = find('ServiceMonitor', 'invorto-control')!.spec as {
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; path: string; relabelings?: { targetLabel?: string; replacement?: string }[] }[];
    };
    const services = objects.filter((o) => o.kind === 'Service' && matches(spec.selector.matchLabels, o.metadata.labels ?? {}));
    for (const endpoint of spec.endpoints) {
      const serving = services.filter((s) => (s.spec as { ports: { name: string }[] }).ports.some((p) => p.name === endpoint.port));
      expect(serving.map((s) => s.metadata.name)).toEqual(['invorto-control-internal']);
      expect(servedGetPaths('control')).toContain(endpoint.path);
      expect(endpoint.relabelings?.find((r) => r.targetLabel === 'job')?.replacement).toBe('invorto-control');
    }
  });

  it('carries the repository alert rules as the PrometheusRule, unchanged', () => {
    const rule = find('PrometheusRule', 'invorto-edge')!;
    expect((rule.spec as { groups: unknown[] }).groups).toEqual(parse(read('edge/observability/alerts.yml')).groups);
  });

  it('configures Kamailio from deploy/kamailio/kamailio.cfg through a generated ConfigMap', () => {
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('invorto-kamailio-'));
    const data = config!.data ?? {};
    expect(data['kamailio.cfg']).toBe(read('deploy/kamailio/kamailio.cfg'));
    expect(data['dispatcher.list']).toBe(read(`deploy/k8s/overlays/${overlay}/dispatcher.list`));
    const volumes = (podOf(find('Deployment', 'invorto-kamailio')!).spec as unknown as { volumes: { configMap?: { name: string } }[] }).volumes;
    expect(volumes.map((v) => v.configMap?.name)).toContain(config!.metadata.name);
  });
});
