// `invorto admin`: tenants, passwords and keys straight in the database (the embedded one in --data-dir, or
// DATABASE_URL), for the first owner of a new tenant and for a person locked out. Works whether control runs or not.
import { join } from 'node:path';
import { helpText, OptionError, parseOptions, type OptionSpec } from '../../../bin/options.ts';
import type { Scope } from '../plugins/auth.ts';
import type { KeyService } from '../modules/keys/service.ts';
import type { TenantService } from '../modules/tenants/service.ts';

// The two database options are spelled as in `invorto control`; they are repeated, not imported, so this command
// does not load the whole HTTP service (start-control.ts) just to open the database.
const adminOptions = {
  'data-dir': { env: 'INVORTO_DATA_DIR', default: './data', description: 'folder of the embedded database (as given to `invorto control`)' },
  'database-url': { env: 'DATABASE_URL', default: '', description: 'PostgreSQL of control (postgres://…); empty: the embedded SQLite file in the data dir', secret: true },
  name: { default: '', description: 'create-tenant: the tenant\'s name; create-key: the key\'s name' },
  'owner-email': { default: '', description: 'create-tenant: email of the tenant\'s first owner' },
  email: { default: '', description: 'reset-password: email of the person' },
  tenant: { default: '', description: 'create-key: id of the tenant the key acts for' },
  scopes: { default: '', description: 'create-key: comma-separated scopes (agents:read, calls:read, media…), or "all"' },
  json: { default: false, description: 'print the result as one JSON object (for scripts)' },
} satisfies Record<string, OptionSpec>;

const USAGE = `usage: invorto admin <command> [options]

commands:
  create-tenant --name N --owner-email E     a tenant and its first owner (prints a one-time password)
  reset-password --email E                   a new one-time password; ends the person's logins
  create-key --tenant T --name N --scopes a,b   an API key for a tenant (prints the key once)`;

type Values = ReturnType<typeof parseOptions<typeof adminOptions>>['values'];
type Printed = { json: Record<string, unknown>; lines: string[] };

const EMAIL = /^[^@]+@[^@\s]+\.[^@\s]+$/;

function required(values: Values, name: 'name' | 'owner-email' | 'email' | 'tenant' | 'scopes', command: string): string {
  const value = values[name].trim();
  if (!value) throw new OptionError(`${command} needs --${name}`);
  return value;
}

function emailOption(values: Values, name: 'owner-email' | 'email', command: string): string {
  const email = required(values, name, command);
  if (!EMAIL.test(email) || email.length > 254) throw new OptionError(`--${name} "${email}" is not an email address`);
  return email;
}

async function scopesOption(values: Values): Promise<Scope[]> {
  const raw = required(values, 'scopes', 'create-key');
  const { SCOPES } = await import('../plugins/auth.ts');
  if (raw === 'all') return [...SCOPES];
  const scopes = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length || !scopes.length) throw new OptionError(`unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}: use ${SCOPES.join(', ')} (comma-separated) or "all"`);
  return scopes as Scope[];
}

/** Something the database says no to (no such tenant): printed, exit code 1. */
class Refusal extends Error {}

interface Services { tenants: TenantService; keys: KeyService }
/** A command checks its options first (a mistake costs no database), then acts. */
interface AdminCommand { check(values: Values): Promise<(services: Services) => Promise<Printed>> }

const commands: Record<string, AdminCommand> = {
  'create-tenant': {
    async check(values) {
      const name = required(values, 'name', 'create-tenant');
      if (name.length > 200) throw new OptionError('--name is longer than 200 characters');
      const email = emailOption(values, 'owner-email', 'create-tenant');
      return async ({ tenants }) => {
        const { tenant, owner } = await tenants.createWithOwner(name, email);
        return {
          json: { tenantId: tenant.id, name: tenant.name, ownerEmail: owner.email, password: owner.password },
          lines: [
            `tenant ${tenant.id} ("${tenant.name}") created`,
            owner.password
              ? `owner ${owner.email}, one-time password (shown once; change it after logging in): ${owner.password}`
              : `owner ${owner.email} already had an account: they log in with their own password`,
            `log in: POST /v1/auth/login {"email":"${owner.email}","password":"…","tenantId":"${tenant.id}"}`,
          ],
        };
      };
    },
  },
  'reset-password': {
    async check(values) {
      const email = emailOption(values, 'email', 'reset-password').toLowerCase();
      return async ({ tenants }) => {
        const password = await tenants.resetPassword(email);
        return { json: { email, password }, lines: [`new one-time password for ${email} (shown once; their logins are ended): ${password}`] };
      };
    },
  },
  'create-key': {
    async check(values) {
      const tenantId = required(values, 'tenant', 'create-key');
      const name = required(values, 'name', 'create-key');
      if (name.length > 200) throw new OptionError('--name is longer than 200 characters');
      const scopes = await scopesOption(values);
      return async ({ tenants, keys }) => {
        if (!(await tenants.repo.tenant(tenantId))) throw new Refusal(`no tenant "${tenantId}"`);
        const { key, secret } = await keys.create(tenantId, name, scopes);
        return {
          json: { id: key.id, tenantId, name: key.name, prefix: key.prefix, scopes: key.scopes, secret },
          lines: [`API key ${key.id} ("${key.name}") for tenant ${tenantId}, scopes ${key.scopes.join(',')}`, `key (shown once): ${secret}`],
        };
      };
    },
  },
};

export async function run(argv: string[]): Promise<number> {
  const { values, positionals, help } = parseOptions(adminOptions, argv);
  const [name, ...extra] = positionals;
  if (help || !name) {
    console.log(helpText(USAGE, adminOptions));
    return help ? 0 : 2;
  }
  const command = commands[name];
  if (!command) throw new OptionError(`unknown admin command "${name}": use ${Object.keys(commands).join(', ')}`);
  if (extra.length) throw new OptionError(`unexpected argument "${extra[0]}"`);
  const act = await command.check(values);
  // Loaded only now: the database drivers and services take a few seconds to load on a busy machine.
  const [{ openDatabase }, { ApiError }, { KeyService }, { TenantService }] = await Promise.all([
    import('../db/database.ts'), import('../plugins/errors.ts'), import('../modules/keys/service.ts'), import('../modules/tenants/service.ts'),
  ]);
  const database = await openDatabase({ databaseUrl: values['database-url'] || undefined, sqliteFile: join(values['data-dir'], 'invorto.db') });
  try {
    const printed = await act({ tenants: new TenantService(database.db), keys: new KeyService(database.db) });
    console.log(values.json ? JSON.stringify(printed.json) : printed.lines.join('\n'));
    return 0;
  } catch (error) {
    if (!(error instanceof ApiError) && !(error instanceof Refusal)) throw error;
    console.error(`invorto admin ${name}: ${error.message}`);
    return 1;
  } finally {
    await database.close();
  }
}
