// Structured JSON logs (pino). Every call logs through a child logger that carries its call id; secrets are redacted.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; service: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      redact: { paths: ['apiKey', '*.apiKey', 'token', '*.token', 'authorization', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination as pino.DestinationStream | undefined,
  );
}

/** A logger that drops everything: for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' });
