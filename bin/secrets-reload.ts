// SIGHUP re-reads a command's options (the files of *_FILE secrets may have been rewritten) and hands the new values
// of the reloadable ones to the running service. Only option names are logged, never values.
import { OptionError, parseOptions, type OptionSpec } from './options.ts';

interface ReloadLog { info(line: string): void; warn(line: string): void }
type Values<S extends Record<string, OptionSpec>> = ReturnType<typeof parseOptions<S>>['values'];

export interface SecretReload<S extends Record<string, OptionSpec>> {
  specs: S;
  argv: string[];
  /** Which options a reload may change; the others keep the values the command started with. */
  reloadable: (keyof S & string)[];
  /**
   * The values the service started with, parsed before it started. A reload compares with these, never with a read
   * made when the handler is installed: a file rewritten while the service started would already be in that read,
   * and its change never applied.
   */
  started: Values<S>;
  /** Throws, with a message naming the option and never its value, to refuse values it cannot use. */
  apply(values: Values<S>): void;
  log: ReloadLog;
  env?: NodeJS.ProcessEnv;
}

/** Re-reads the options once: the names of the reloadable ones that changed, after `apply` has them; null when unreadable. */
export function secretReloader<S extends Record<string, OptionSpec>>(reload: SecretReload<S>): () => string[] | null {
  let current = reload.started;
  return () => {
    let fresh;
    try {
      fresh = parseOptions(reload.specs, reload.argv, reload.env ?? process.env).values;
    } catch (error) {
      // A file caught mid-rewrite, say: keep what works and say which setting to fix (OptionError never holds a value).
      reload.log.warn(`secrets not reloaded: ${error instanceof OptionError ? error.message : 'options could not be read'}`);
      return null;
    }
    const changed = reload.reloadable.filter((name) => fresh[name] !== current[name]);
    try {
      if (changed.length > 0) reload.apply(fresh);
    } catch (error) {
      // Thrown out of a signal handler it would end the process and every call: refused, the values in use stay.
      reload.log.warn(`secrets not reloaded: ${(error as Error).message}`);
      return null;
    }
    current = fresh;
    reload.log.info(`secrets reloaded: ${changed.length > 0 ? changed.join(', ') : '(none changed)'}`);
    return changed;
  };
}
