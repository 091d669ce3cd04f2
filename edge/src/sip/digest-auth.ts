// Digest authentication of INVITEs (RFC 2617, SIP's use in RFC 3261 §22, SHA-256 from RFC 8760) for trunks that
// need it. Nonces are ours to check without state (issue time + HMAC), expire after nonceTtlMs, and are single-use
// (or, with qop=auth, accepted only with a growing nonce count): a captured Authorization replayed is refused.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from './clock.ts';
import { header, type SipRequest } from './sip-message.ts';

export interface DigestUser {
  user: string;
  password: string;
  /** Source address of the trunk this user is for; undefined: any allow-listed address. */
  trunk?: string;
}

export interface DigestAuthOptions {
  realm: string;
  /** A function is asked at each INVITE, so a reload (SIGHUP) applies from the next one on. */
  users: readonly DigestUser[] | (() => readonly DigestUser[]);
  nonceTtlMs: number;
  clock: Clock;
}

/** `ok`: admitted. `challenge`: 401 with a fresh nonce. `stale`: right password, old or used nonce: 401 stale=true. `forbidden`: 403. */
export type DigestVerdict = 'ok' | 'challenge' | 'stale' | 'forbidden';

const HASHES: Record<string, string> = { md5: 'md5', 'sha-256': 'sha256' };

/** `user:password[@trunk-address]`, comma-separated, as INVORTO_SIP_AUTH_USERS holds them. */
export function parseDigestUsers(text: string): DigestUser[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((entry, index) => {
    const match = /^([^:]+):(.*?)(?:@(\d{1,3}(?:\.\d{1,3}){3}))?$/.exec(entry);
    // Named by its user part only: an entry without a colon may be a password alone, and errors are logged.
    const name = entry.includes(':') ? `SIP auth user "${entry.split(':')[0]}"` : `SIP auth entry ${index + 1}`;
    if (!match) throw new Error(`INVORTO_SIP_AUTH_USERS (--sip-auth-users): ${name} is not "user:password" or "user:password@address"`);
    return { user: match[1], password: match[2], trunk: match[3] };
  });
}

export class DigestAuth {
  readonly #options: DigestAuthOptions;
  readonly #secret = randomBytes(32);
  /** Nonces used so far (until they expire), with the highest nonce count seen. */
  readonly #used = new Map<string, { nc: number; expiresAtMs: number }>();

  constructor(options: DigestAuthOptions) {
    this.#options = options;
  }

  /** Whether INVITEs from this source address must authenticate. */
  required(address: string): boolean {
    return this.#users(address).length > 0;
  }

  /** The WWW-Authenticate value of a 401. */
  challenge(stale = false): string {
    const issued = Math.floor(this.#options.clock.now()).toString(36);
    const salt = randomBytes(8).toString('hex');
    const nonce = `${issued}.${salt}.${this.#sign(`${issued}.${salt}`)}`;
    return `Digest realm="${this.#options.realm}", nonce="${nonce}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;
  }

  verify(request: SipRequest, address: string): DigestVerdict {
    const fields = parseAuthorization(header(request, 'authorization'));
    if (!fields || fields.realm !== this.#options.realm || !fields.nonce || !fields.response) return 'challenge';
    const user = this.#users(address).find((u) => u.user === fields.username);
    if (!user) return 'forbidden';
    const [issued, salt, signature] = fields.nonce.split('.');
    if (!signature || !same(signature, this.#sign(`${issued}.${salt}`))) return 'challenge'; // not a nonce of ours (or of a restart)
    const hash = HASHES[(fields.algorithm ?? 'MD5').toLowerCase()];
    if (!hash || !fields.uri || !sameTarget(fields.uri, request.uri)) return 'forbidden';
    const h = (text: string) => createHash(hash).update(text).digest('hex');
    const ha1 = h(`${user.user}:${this.#options.realm}:${user.password}`);
    const ha2 = h(`${request.method}:${fields.uri}`);
    const qop = fields.qop?.toLowerCase();
    if (qop && qop !== 'auth') return 'forbidden';
    const expected = qop ? h(`${ha1}:${fields.nonce}:${fields.nc}:${fields.cnonce}:auth:${ha2}`) : h(`${ha1}:${fields.nonce}:${ha2}`);
    if (!same(fields.response.toLowerCase(), expected)) return 'forbidden';
    return this.#fresh(fields.nonce, parseInt(issued, 36), qop ? parseInt(fields.nc ?? '', 16) : NaN) ? 'ok' : 'stale';
  }

  /** An unexpired nonce, used for the first time (or with a higher nonce count): recorded as used. */
  #fresh(nonce: string, issuedMs: number, nc: number): boolean {
    const nowMs = this.#options.clock.now();
    for (const [key, entry] of this.#used) if (entry.expiresAtMs <= nowMs) this.#used.delete(key);
    const expiresAtMs = issuedMs + this.#options.nonceTtlMs;
    if (!(expiresAtMs > nowMs)) return false;
    const seen = this.#used.get(nonce);
    if (seen && (Number.isNaN(nc) || nc <= seen.nc)) return false;
    this.#used.set(nonce, { nc: Number.isNaN(nc) ? 0 : nc, expiresAtMs });
    return true;
  }

  #users(address: string): readonly DigestUser[] {
    const { users } = this.#options;
    return (typeof users === 'function' ? users() : users).filter((u) => u.trunk === undefined || u.trunk === address);
  }

  #sign(text: string): string {
    return createHmac('sha256', this.#secret).update(text).digest('base64url').slice(0, 22);
  }
}

/**
 * Whether the digest's URI names the Request-URI's host and port (RFC 2617 §3.2.2.5 asks for the same resource;
 * clients differ on the user part: sipp signs `sip:host:port`), so a digest made for another server is refused.
 */
function sameTarget(digestUri: string, requestUri: string): boolean {
  const target = (uri: string) => /^sips?:(?:[^@;>]*@)?([^;>?]+)/i.exec(uri.trim())?.[1].toLowerCase() ?? null;
  const a = target(digestUri);
  return a !== null && a === target(requestUri);
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The fields of `Digest a="b", c=d, …`; null when it is not a Digest header. */
export function parseAuthorization(value: string): Record<string, string | undefined> | null {
  const match = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!match) return null;
  const fields: Record<string, string> = {};
  for (const part of match[1].matchAll(/([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))/g)) fields[part[1].toLowerCase()] = part[2] ?? part[3];
  return fields;
}
