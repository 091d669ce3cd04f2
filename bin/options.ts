// Command options: every option has a default and an environment variable; a flag beats the variable beats the default.
// A secret may also come from the file named by <VARIABLE>_FILE (Docker and Kubernetes secrets): flag > variable > file > default.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface OptionSpec<T extends string | number | boolean | string[] = string | number | boolean | string[]> {
  env?: string;
  default: T;
  description: string;
  /** Never printed in help or logs with its value (API keys). */
  secret?: boolean;
}

// An option whose default is a list may be given several times (`--say A --say B`); it has no variable.
type Values<S extends Record<string, OptionSpec>> = { [K in keyof S]: S[K]['default'] extends string[] ? string[] : S[K]['default'] extends number ? number : S[K]['default'] extends boolean ? boolean : string };

export class OptionError extends Error {}

function coerce(name: string, spec: OptionSpec, raw: string | boolean): string | number | boolean {
  if (typeof spec.default === 'number') {
    const value = Number(raw);
    if (raw === '' || !Number.isFinite(value)) throw new OptionError(`--${name} must be a number (got "${raw}")${spec.env ? ` — check ${spec.env}` : ''}`);
    return value;
  }
  if (typeof spec.default === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new OptionError(`--${name} must be true or false (got "${raw}")${spec.env ? ` — check ${spec.env}` : ''}`);
  }
  return String(raw);
}

export function parseOptions<S extends Record<string, OptionSpec>>(
  specs: S,
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): { values: Values<S>; positionals: string[]; help: boolean } {
  const parseSpec: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' } };
  for (const [name, spec] of Object.entries(specs)) parseSpec[name] = { type: typeof spec.default === 'boolean' ? 'boolean' : 'string', multiple: Array.isArray(spec.default) };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: parseSpec, allowPositionals: true, strict: true });
  } catch (error) {
    throw new OptionError((error as Error).message);
  }
  const values: Record<string, string | number | boolean | string[]> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const fromFlag = parsed.values[name];
    if (Array.isArray(spec.default)) {
      values[name] = (fromFlag as string[] | undefined) ?? spec.default;
      continue;
    }
    const fromEnv = spec.env ? env[spec.env] : undefined;
    const given = fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined;
    const fromFile = spec.secret && spec.env ? secretFromFile(spec.env, given, env, fromFlag === undefined) : undefined;
    const raw = fromFlag ?? given ?? fromFile;
    values[name] = raw === undefined ? spec.default : coerce(name, spec, raw as string | boolean);
  }
  return { values: values as Values<S>, positionals: parsed.positionals, help: Boolean(parsed.values.help) };
}

/**
 * The value in the file `<variable>_FILE` names (its trailing newlines dropped), read only when it is the one used.
 * Errors name the variables and the path, never what the file holds.
 */
function secretFromFile(variable: string, given: string | undefined, env: NodeJS.ProcessEnv, needed: boolean): string | undefined {
  const fileVariable = `${variable}_FILE`;
  const path = env[fileVariable];
  if (path === undefined || path === '') return undefined;
  if (given !== undefined) throw new OptionError(`both ${variable} and ${fileVariable} are set: set one of them`);
  if (!needed) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new OptionError(`${fileVariable}=${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): point it at a readable file`);
  }
  const value = text.replace(/[\r\n]+$/, '');
  if (value === '') throw new OptionError(`${fileVariable}=${path} is empty: put the value of ${variable} in it`);
  return value;
}

export function helpText(usage: string, specs: Record<string, OptionSpec>): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const shown = spec.secret ? '(unset)' : JSON.stringify(spec.default);
    return `  --${name}${spec.env ? ` (env ${spec.env}${spec.secret ? ` or ${spec.env}_FILE` : ''})` : ''}\n      ${spec.description} [default: ${shown}]`;
  });
  return `${usage}\n\noptions:\n${rows.join('\n')}`;
}
