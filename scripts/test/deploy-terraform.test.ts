// deploy/terraform: formatted (terraform fmt -check), every variable and output described and documented in the
// folder's README, and the pieces the issue asks for present. `terraform validate` needs the AWS provider, which
// cannot be downloaded here, so it is not run (the README says so).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { read, root } from './deploy-helpers.ts';

const DIR = 'deploy/terraform/aws';
const files = readdirSync(join(root, DIR)).filter((f) => f.endsWith('.tf'));
const hcl = files.map((f) => read(`${DIR}/${f}`)).join('\n');
const readme = read(`${DIR}/README.md`);

/** The body of each top-level `<kind> "<name>" {` block, by name (braces counted; the files are fmt-clean). */
function blocks(kind: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of hcl.matchAll(new RegExp(`^${kind} "([\\w-]+)"(?: "([\\w-]+)")? \\{$`, 'gm'))) {
    let depth = 0;
    let end = match.index!;
    for (let i = match.index!; i < hcl.length; i++) {
      if (hcl[i] === '{') depth++;
      else if (hcl[i] === '}' && --depth === 0) { end = i; break; }
    }
    found.set(match[2] ? `${match[1]}.${match[2]}` : match[1], hcl.slice(match.index!, end + 1));
  }
  return found;
}

const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;
if (!terraform) console.warn('[deploy] the terraform binary is absent: `terraform fmt -check` is skipped');

describe('deploy/terraform', () => {
  it.skipIf(!terraform)('is formatted: terraform fmt -check -recursive deploy/terraform', () => {
    const fmt = spawnSync('terraform', ['fmt', '-check', '-recursive', 'deploy/terraform'], { cwd: root, encoding: 'utf8' });
    expect(fmt.status, `files terraform fmt would change:\n${fmt.stdout}${fmt.stderr}`).toBe(0);
  });

  it('describes and types every variable, and documents each in the README', () => {
    const variables = blocks('variable');
    expect(variables.size).toBeGreaterThan(10);
    for (const [name, body] of variables) {
      expect(body, name).toMatch(/^\s+description = "[^"]{10,}"$/m);
      expect(body, name).toMatch(/^\s+type\s+= \S/m);
      expect(readme, `README: variable ${name}`).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
    }
  });

  it('describes every output, and documents each in the README', () => {
    const outputs = blocks('output');
    for (const [name, body] of outputs) {
      expect(body, name).toMatch(/^\s+description = "[^"]{5,}"$/m);
      expect(readme, `README: output ${name}`).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
    }
    for (const needed of ['cluster_name', 'edge_role_arn', 'control_role_arn', 'artifacts_bucket', 'secrets_manager_secret_arn', 'vpc_cidr']) expect(outputs.has(needed), needed).toBe(true);
  });

  it('makes a VPC, EKS with an OIDC provider, Redis, PostgreSQL, S3, Secrets Manager and IRSA roles', () => {
    const resources = blocks('resource');
    for (const kind of ['aws_vpc', 'aws_eks_cluster', 'aws_eks_node_group', 'aws_iam_openid_connect_provider', 'aws_elasticache_replication_group', 'aws_db_instance', 'aws_s3_bucket', 'aws_secretsmanager_secret', 'aws_iam_role']) {
      expect([...resources.keys()].some((k) => k.startsWith(`${kind}.`)), kind).toBe(true);
    }
    expect(resources.get('aws_iam_role.service_account')).toContain('sts:AssumeRoleWithWebIdentity');
    expect(resources.get('aws_iam_role.service_account')).toContain('system:serviceaccount:invorto:');
  });

  it('encrypts the bucket, blocks public access and ages objects out with a lifecycle', () => {
    const resources = blocks('resource');
    expect(resources.get('aws_s3_bucket_server_side_encryption_configuration.artifacts')).toMatch(/sse_algorithm\s+= "aws:kms"/);
    expect(resources.get('aws_s3_bucket_public_access_block.artifacts')?.match(/= true/g)).toHaveLength(4);
    const lifecycle = resources.get('aws_s3_bucket_lifecycle_configuration.artifacts')!;
    expect(lifecycle).toMatch(/status = "Enabled"/);
    expect(lifecycle).toMatch(/expiration \{/);
    expect(lifecycle).toMatch(/abort_incomplete_multipart_upload \{/);
    expect(resources.get('aws_db_instance.postgres')).toMatch(/storage_encrypted\s+= true/);
    expect(resources.get('aws_elasticache_replication_group.redis')).toMatch(/transit_encryption_enabled = true/);
  });

  it('labels node pools and names service accounts the way the production overlay expects', () => {
    const overlay = readdirSync(join(root, 'deploy/k8s/overlays/production')).map((f) => read(`deploy/k8s/overlays/production/${f}`)).join('\n');
    const pools = new Set([...overlay.matchAll(/invorto\.io\/pool: ([\w-]+)/g)].map((m) => m[1]));
    expect([...pools].sort()).toEqual(['edge', 'sip-front']);
    for (const pool of pools) expect(hcl, `node pool ${pool}`).toMatch(new RegExp(`^\\s+"?${pool}"? = \\{$`, 'm'));
    const accounts = [...overlay.matchAll(/^kind: ServiceAccount\nmetadata:\n {2}name: ([\w-]+)/gm)].map((m) => m[1]);
    expect(accounts).toHaveLength(2);
    for (const account of accounts) expect(hcl).toContain(`= "${account}"`);
  });

  it('says in its README that validate was not run and why', () => {
    expect(readme).toMatch(/`terraform validate`[^.]*\*\*not\*\* run/);
    expect(readme).toContain('cannot be');
  });
});
