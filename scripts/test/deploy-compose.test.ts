// deploy/docker-compose.yml, checked without a Docker daemon: what every service runs, the variables Invorto
// services are given, health checks, published ports, and that the addresses wired between Kamailio, the edges
// and Prometheus agree.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { documentedEnvVars, parseDockerfile, read, root, secretEnvVars, servedGetPaths, urlPaths, isPinned } from './deploy-helpers.ts';

interface Service {
  image?: string;
  entrypoint?: string[] | string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  ports?: (string | { host_ip?: string; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
}

const composeDir = join(root, 'deploy');
const compose = parse(read('deploy/docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = Object.entries(compose.services);

function dockerfileOf(service: Service): string | null {
  if (!service.build) return null;
  const build = typeof service.build === 'string' ? { context: service.build } : service.build;
  return resolve(composeDir, build.context ?? '.', build.dockerfile ?? 'Dockerfile');
}

/** edge / control for a service that runs an Invorto image (built here or reused by tag) as the image runs it; a
 * one-off job on the same image (its own entrypoint) is not the service. */
function invortoKind(service: Service): 'edge' | 'control' | null {
  if (service.entrypoint) return null;
  const ref = `${dockerfileOf(service) ?? ''} ${service.image ?? ''}`;
  return /edge/.test(ref) && /invorto|deploy\/docker/.test(ref) ? 'edge' : /control/.test(ref) && /invorto|deploy\/docker/.test(ref) ? 'control' : null;
}

function envOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  const entries = Array.isArray(env) ? env.map((e) => e.split(/=(.*)/s).slice(0, 2) as [string, string]) : Object.entries(env);
  return Object.fromEntries(entries.map(([k, v]) => [k, String(v ?? '')]));
}

function healthCommand(service: Service): string | null {
  const test = service.healthcheck?.test;
  if (test) return Array.isArray(test) ? test.join(' ') : test;
  const file = dockerfileOf(service);
  if (!file) return null;
  const last = parseDockerfile(read(file.slice(root.length + 1))).at(-1)!;
  return last.instructions.find((i) => i.op === 'HEALTHCHECK')?.args ?? null;
}

const ipOf = (service: Service): string | undefined =>
  Array.isArray(service.networks) ? undefined : Object.values(service.networks ?? {}).find((n) => n?.ipv4_address)?.ipv4_address;

describe('deploy/docker-compose.yml', () => {
  it('runs the full stack: Kamailio, two edges, control, Redis, PostgreSQL, an S3-API server, Prometheus, Grafana', () => {
    const kinds = services.map(([name, s]) => invortoKind(s) ?? name);
    expect(kinds.filter((k) => k === 'edge')).toHaveLength(2);
    for (const name of ['kamailio', 'control', 'redis', 'postgres', 's3', 'prometheus', 'grafana']) expect(Object.keys(compose.services)).toContain(name);
  });

  it('gives every service an image pinned to a tag other than latest, or a build from a Dockerfile that exists', () => {
    for (const [name, service] of services) {
      const dockerfile = dockerfileOf(service);
      if (dockerfile) expect(existsSync(dockerfile), `${name}: ${dockerfile}`).toBe(true);
      else expect(service.image && isPinned(service.image), `${name}: image ${service.image}`).toBe(true);
      if (service.image) expect(isPinned(service.image), `${name}: image ${service.image} is not pinned`).toBe(true);
    }
  });

  it('sets on edges and control only variables the README documents, and secrets only from the environment', () => {
    const documented = documentedEnvVars();
    const secrets = secretEnvVars();
    expect(documented.size).toBeGreaterThan(40);
    expect(secrets).toContain('INVORTO_INTERNAL_TOKEN');
    let checked = 0;
    for (const [name, service] of services) {
      if (!invortoKind(service)) continue;
      for (const [key, value] of Object.entries(envOf(service))) {
        checked++;
        expect(documented.has(key), `${name}: ${key} is not in README.md's configuration table`).toBe(true);
        // A secret comes from the environment (deploy/.env), never written here; a URL without credentials in it
        // (redis://redis:6379) holds no secret.
        const fromEnv = /^\$\{[A-Z0-9_]+(:?[?-][^}]*)?\}$/.test(value) || /^\w+:\/\/[^@]*\$\{[A-Z0-9_]+:\?[^}]*\}@/.test(value);
        const noCredentials = /^[a-z]+:\/\/[^@$]+$/.test(value);
        if (secrets.has(key)) expect(fromEnv || noCredentials, `${name}: secret ${key} is written in the file: ${value}`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('health-checks every Invorto service on a path its code serves', () => {
    for (const [name, service] of services) {
      const kind = invortoKind(service);
      if (!kind || service.healthcheck?.disable) continue;
      const command = healthCommand(service);
      expect(command, `${name} has no health check`).toBeTruthy();
      const paths = urlPaths(command!);
      expect(paths.length, `${name}: no URL in ${command}`).toBeGreaterThan(0);
      for (const path of paths) expect(servedGetPaths(kind), `${name}: ${path}`).toContain(path);
    }
  });

  it('publishes ports on 127.0.0.1 only, except the SIP front, which publishes only SIP over UDP', () => {
    for (const [name, service] of services) {
      for (const port of service.ports ?? []) {
        const spec = typeof port === 'string' ? port : `${port.host_ip ?? ''}:${port.published}`;
        const parts = spec.split(':');
        if (name === 'kamailio') expect(spec, 'the SIP front').toMatch(/^(0\.0\.0\.0:)?5060:5060\/udp$/);
        else expect(parts.length === 3 && parts[0] === '127.0.0.1', `${name}: ${spec} binds beyond loopback`).toBe(true);
      }
    }
  });

  it('waits only on services that exist, and on health only where there is a health check', () => {
    for (const [name, service] of services) {
      const deps = Array.isArray(service.depends_on) ? Object.fromEntries(service.depends_on.map((d) => [d, {}])) : service.depends_on ?? {};
      for (const [dep, { condition }] of Object.entries(deps) as [string, { condition?: string }][]) {
        expect(compose.services[dep], `${name} depends on ${dep}`).toBeDefined();
        if (condition === 'service_healthy') expect(healthCommand(compose.services[dep]), `${name} waits for ${dep}'s health`).toBeTruthy();
      }
    }
  });

  it('wires the same addresses into Kamailio, the edges and Prometheus', () => {
    const edges = services.filter(([, s]) => invortoKind(s) === 'edge');
    const kamailioIp = ipOf(compose.services.kamailio);
    const dispatcher = read('deploy/kamailio/dispatcher.list').split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split(/\s+/)[1]);
    const targets = parse(read('deploy/prometheus/prometheus.yml')).scrape_configs
      .find((j: { job_name: string }) => j.job_name === 'invorto-edge').static_configs.flatMap((c: { targets: string[] }) => c.targets);
    const rtpRanges: [number, number][] = [];
    for (const [name, service] of edges) {
      const env = envOf(service);
      expect(env.INVORTO_EDGE_HOST, `${name} binds its own address`).toBe(ipOf(service));
      expect(env.INVORTO_SIP_ALLOW, `${name} takes SIP from Kamailio`).toBe(kamailioIp);
      expect(dispatcher).toContain(`sip:${env.INVORTO_EDGE_HOST}:${env.INVORTO_SIP_PORT}`);
      expect(targets).toContain(`${env.INVORTO_EDGE_HOST}:${env.INVORTO_EDGE_PORT}`);
      rtpRanges.push([Number(env.INVORTO_RTP_PORT_MIN), Number(env.INVORTO_RTP_PORT_MAX)]);
    }
    expect(dispatcher).toHaveLength(edges.length);
    expect(targets).toHaveLength(edges.length);
    for (const [min, max] of rtpRanges) expect(max - min).toBeGreaterThanOrEqual(100);
  });

  it('mounts files that exist: the repository alert rules where Prometheus loads them, the Grafana provisioning', () => {
    const mounts = services.flatMap(([name, s]) => (s.volumes ?? []).map((v) => [name, typeof v === 'string' ? v : `${v.source}:`] as const));
    for (const [name, mount] of mounts) {
      const source = mount.split(':')[0];
      if (!source.startsWith('.')) continue; // a named volume
      expect(existsSync(resolve(composeDir, source)), `${name}: ${source}`).toBe(true);
    }
    const rules = mounts.find(([name, m]) => name === 'prometheus' && m.includes('alerts.yml'));
    expect(rules?.[1].split(':')[0]).toBe('../edge/observability/alerts.yml');
    const target = rules![1].split(':')[1];
    const ruleFiles: string[] = parse(read('deploy/prometheus/prometheus.yml')).rule_files;
    expect(ruleFiles.some((glob) => new RegExp(`^${glob.replace(/[.]/g, '\\.').replace('*', '[^/]*')}$`).test(target))).toBe(true);
  });
});
