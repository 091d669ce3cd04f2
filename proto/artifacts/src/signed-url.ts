// Expiring URLs for artifacts on local disk: control serves `/artifacts/signed/<key>?expires=&signature=` and checks
// the HMAC here, so a link handed to a browser works until it expires and cannot be bent to another key or a later
// expiry. (S3 presigns its own URLs; this is the local-disk equivalent.)
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ArtifactStoreError } from './artifact-store.ts';

/** The path prefix control serves signed local artifacts under. */
export const LOCAL_SIGNED_PATH = '/artifacts/signed/';

function signature(key: string, expiresAtS: number, secret: string): string {
  if (!secret) throw new ArtifactStoreError('config', 'signed artifact URLs need a URL secret (urlSecret) and none is set');
  // The newline keeps `key` and `expires` from sliding into each other (no key holds a newline).
  return createHmac('sha256', secret).update(`${key}\n${expiresAtS}`).digest('hex');
}

/** `/artifacts/signed/<key>?expires=<unix s>&signature=<hex>`; each key segment is URL-encoded. */
export function signLocalUrl(key: string, expiresAtS: number, secret: string): string {
  const expires = Math.floor(expiresAtS);
  const path = key.split('/').map(encodeURIComponent).join('/');
  return `${LOCAL_SIGNED_PATH}${path}?expires=${expires}&signature=${signature(key, expires, secret)}`;
}

export type SignedUrlQuery = URLSearchParams | Record<string, string | string[] | undefined>;

export type SignedUrlCheck = { ok: true } | { ok: false; error: ArtifactStoreError };

function queryValue(query: SignedUrlQuery, name: string): string {
  const value = query instanceof URLSearchParams ? query.get(name) : query[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/**
 * Checks a signed local URL's query for `key` (decoded) at `nowS`. A refusal is an ArtifactStoreError of kind
 * 'credentials' (serve 403) whose message says whether the link was tampered with or has expired.
 */
export function verifyLocalSignedUrl(key: string, query: SignedUrlQuery, secret: string, nowS: number): SignedUrlCheck {
  const expiresText = queryValue(query, 'expires');
  const given = queryValue(query, 'signature');
  const expires = Number(expiresText);
  const tampered = () => ({ ok: false as const, error: new ArtifactStoreError('credentials', `the signed URL for ${key} was tampered with (its signature does not match)`) });
  if (!/^\d+$/.test(expiresText) || !/^[0-9a-f]{64}$/.test(given)) return tampered();
  const expected = Buffer.from(signature(key, expires, secret), 'hex');
  // Constant time, so the signature cannot be guessed byte by byte from response timings.
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) return tampered();
  if (nowS >= expires) {
    return { ok: false, error: new ArtifactStoreError('credentials', `the signed URL for ${key} expired at ${new Date(expires * 1000).toISOString()}`) };
  }
  return { ok: true };
}
