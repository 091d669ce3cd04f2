// Identifiers and secrets: readable prefixes (agt_, usr_…) so a log line says what an id is.
import { createHash, randomBytes } from 'node:crypto';

export const newId = (prefix: string) => `${prefix}_${randomBytes(9).toString('base64url')}`;
export const newSecret = (bytes = 32) => randomBytes(bytes).toString('base64url');
/** Secrets with 192+ random bits need no slow hash: SHA-256 makes a stolen table useless all the same. */
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
