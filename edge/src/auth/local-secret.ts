// The media token secret a local command can use: the configured one, or the one `invorto start` keeps.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function localMediaTokenSecret(configured: string, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, 'media-token.secret');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
}
