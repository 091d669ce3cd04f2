// Passwords are hashed with argon2id (OWASP's parameters: 19 MiB, 2 passes); a one-time password is 16 random
// characters from an alphabet without look-alikes.
import { hash, verify } from '@node-rs/argon2';
import { randomInt } from 'node:crypto';

export const MIN_PASSWORD_LENGTH = 10;

export const hashPassword = (password: string) => hash(password, { memoryCost: 19_456, timeCost: 2, parallelism: 1 });

export async function passwordMatches(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

const ALPHABET = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export function oneTimePassword(length = 16): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}
