// Command options: a list option (`invorto call --say A --say B`) collects every occurrence, in order; a secret may come
// from the file its <VARIABLE>_FILE names, below the flag and the variable. SIGHUP re-reads those files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OptionError, helpText, parseOptions } from '../../bin/options.ts';
import { secretReloader } from '../../bin/secrets-reload.ts';
import { holdReloadSignals } from '../../bin/signals.ts';

const specs = { say: { default: [] as string[], description: 'a sentence' }, voice: { env: 'TEST_VOICE', default: 'kal', description: 'a voice' } };
const secretSpecs = {
  key: { env: 'TEST_KEY', default: '', description: 'a key', secret: true },
  voice: { env: 'TEST_VOICE', default: 'kal', description: 'not a secret' },
};

/** A key file holding `content`, and the environment that names it. */
function keyFile(content: string): { path: string; env: NodeJS.ProcessEnv } {
  const path = join(mkdtempSync(join(tmpdir(), 'invorto-reload-')), 'key');
  writeFileSync(path, content);
  return { path, env: { TEST_KEY_FILE: path } };
}

/** The reload of `secretSpecs` as a service started with `started` (by default, what the key file holds now) runs it. */
function keyReloader(env: NodeJS.ProcessEnv, apply: (values: { key: string }) => void, started = parseOptions(secretSpecs, [], env).values) {
  const lines: string[] = [];
  const log = { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line) };
  return { lines, reload: secretReloader({ specs: secretSpecs, argv: [], reloadable: ['key'], env, started, log, apply }) };
}

describe('command options', () => {
  it('a list option given several times keeps each value in order; given none, its default', () => {
    expect(parseOptions(specs, ['--say', 'Hello.', '--voice', 'slt', '--say', 'And on Sunday?'], {}).values).toEqual({ say: ['Hello.', 'And on Sunday?'], voice: 'slt' });
    expect(parseOptions(specs, [], { TEST_VOICE: 'awb' }).values).toEqual({ say: [], voice: 'awb' });
  });
});

describe('secrets from files (<VARIABLE>_FILE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'invorto-options-'));
  const file = (name: string, text: string) => { const path = join(dir, name); writeFileSync(path, text); return path; };

  it('reads the file, dropping its trailing newline; flag beats variable beats file beats default', () => {
    const path = file('key', 'from-file\n');
    expect(parseOptions(secretSpecs, [], { TEST_KEY_FILE: path }).values.key).toBe('from-file');
    expect(parseOptions(secretSpecs, ['--key', 'from-flag'], { TEST_KEY_FILE: path }).values.key).toBe('from-flag');
    expect(parseOptions(secretSpecs, [], { TEST_KEY: 'from-variable' }).values.key).toBe('from-variable');
    expect(parseOptions(secretSpecs, [], {}).values.key).toBe('');
    expect(parseOptions(secretSpecs, [], { TEST_KEY_FILE: file('crlf', 'with spaces inside \r\n') }).values.key).toBe('with spaces inside ');
  });

  it('the variable and its _FILE together are an error naming both', () => {
    const path = file('both', 'file-value');
    expect(() => parseOptions(secretSpecs, [], { TEST_KEY: 'v', TEST_KEY_FILE: path })).toThrow(OptionError);
    expect(() => parseOptions(secretSpecs, ['--key', 'f'], { TEST_KEY: 'v', TEST_KEY_FILE: path })).toThrow(/both TEST_KEY and TEST_KEY_FILE are set/);
  });

  it('a missing or empty file is an error naming the variable and the path, never the contents', () => {
    const missing = join(dir, 'nope');
    expect(() => parseOptions(secretSpecs, [], { TEST_KEY_FILE: missing })).toThrow(`TEST_KEY_FILE=${missing} cannot be read (ENOENT)`);
    expect(() => parseOptions(secretSpecs, [], { TEST_KEY_FILE: file('empty', '\n\n') })).toThrow(/TEST_KEY_FILE=.*empty is empty/);
    expect(() => parseOptions(secretSpecs, [], { TEST_KEY_FILE: dir })).toThrow(/cannot be read \(EISDIR\)/);
  });

  it('only secrets read _FILE; help names it for them', () => {
    expect(parseOptions(secretSpecs, [], { TEST_VOICE_FILE: file('voice', 'slt') }).values.voice).toBe('kal');
    const help = helpText('usage', secretSpecs);
    expect(help).toContain('(env TEST_KEY or TEST_KEY_FILE)');
    expect(help).toContain('(env TEST_VOICE)\n');
  });
});

describe('secret reload (what SIGHUP runs)', () => {
  it('hands over the reloadable options that changed and logs their names only; an unreadable file keeps the old values', () => {
    const { path, env } = keyFile('key-one\n');
    const applied: string[] = [];
    const { lines, reload } = keyReloader(env, (values) => applied.push(values.key));

    expect(reload()).toEqual([]);
    writeFileSync(path, 'key-two\n');
    expect(reload()).toEqual(['key']);
    writeFileSync(path, '');
    expect(reload()).toBe(null);
    writeFileSync(path, 'key-two');
    expect(reload()).toEqual([]); // compared with the last values applied, not with the refused read
    expect(applied).toEqual(['key-two']);
    expect(lines).toEqual(['secrets reloaded: (none changed)', 'secrets reloaded: key', `secrets not reloaded: TEST_KEY_FILE=${path} is empty: put the value of TEST_KEY in it`, 'secrets reloaded: (none changed)']);
  });
});

describe('secret reload racing the start', () => {
  it('a file rewritten after the service read it and before the handler was installed is still a change', () => {
    // A reloader that made its own first read when installed would hold the rotated key already and see no change.
    const { path, env } = keyFile('key-at-start');
    const started = parseOptions(secretSpecs, [], env).values;
    writeFileSync(path, 'key-rotated');
    const applied: string[] = [];
    const { reload } = keyReloader(env, (values) => applied.push(values.key), started);

    expect(reload()).toEqual(['key']);
    expect(applied).toEqual(['key-rotated']);
  });
});

describe('SIGHUP while a command starts', () => {
  it('is remembered, not fatal: the command\'s reload runs once when it is ready, then on every SIGHUP until removed', () => {
    const listenersBefore = process.listenerCount('SIGHUP');
    const whenReady = holdReloadSignals();
    expect(process.listenerCount('SIGHUP')).toBe(listenersBefore + 1); // any listener turns off Node's default: exit
    process.emit('SIGHUP', 'SIGHUP');
    process.emit('SIGHUP', 'SIGHUP');
    let reloads = 0;
    const off = whenReady(() => reloads++);
    expect(reloads).toBe(1); // two missed SIGHUPs, one reload: it reads the latest values anyway
    process.emit('SIGHUP', 'SIGHUP');
    expect(reloads).toBe(2);
    off();
    expect(process.listenerCount('SIGHUP')).toBe(listenersBefore);
  });

  it('runs no reload on ready when no SIGHUP came', () => {
    let reloads = 0;
    const off = holdReloadSignals()(() => reloads++);
    expect(reloads).toBe(0);
    off();
  });
});

describe('secret reload refused by the service', () => {
  it('values `apply` throws on are not taken: its message is logged, the process goes on, the next reload compares with the old', () => {
    const { path, env } = keyFile('good-one');
    const applied: string[] = [];
    const { lines, reload } = keyReloader(env, (values) => {
      if (!values.key.startsWith('good')) throw new Error('TEST_KEY (--key): not a usable key');
      applied.push(values.key);
    });

    writeFileSync(path, 'bad-one');
    expect(reload()).toBe(null); // a throw out of a SIGHUP handler would have ended the process
    writeFileSync(path, 'good-one');
    expect(reload()).toEqual([]); // still the value in use
    writeFileSync(path, 'good-two');
    expect(reload()).toEqual(['key']);
    expect(applied).toEqual(['good-two']);
    expect(lines).toEqual(['secrets not reloaded: TEST_KEY (--key): not a usable key', 'secrets reloaded: (none changed)', 'secrets reloaded: key']);
  });
});
