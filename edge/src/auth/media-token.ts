// Media-stream URLs carry a signed, expiring token: v1.<payload>.<signature>, the payload naming the tenant and agent
// the call belongs to, the signature an HMAC-SHA256 over it with the node's secret. The edge checks it at upgrade,
// so nothing unauthenticated reaches a call runtime.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface MediaTokenClaims {
  tenantId: string;
  agentId: string;
  /** Unix seconds. */
  expiresAt: number;
}

const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

export function mintMediaToken(secret: string, claims: MediaTokenClaims): string {
  if (!secret) throw new Error('cannot mint a media token without a secret (INVORTO_MEDIA_TOKEN_SECRET)');
  const payload = Buffer.from(JSON.stringify({ t: claims.tenantId, a: claims.agentId, exp: Math.floor(claims.expiresAt) })).toString('base64url');
  return `v1.${payload}.${sign(secret, payload)}`;
}

/** The token's claims, or the reason it is refused. */
export function verifyMediaToken(secret: string, token: string, nowS = Date.now() / 1000): MediaTokenClaims | { error: string } {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1') return { error: 'malformed media token' };
  const expected = Buffer.from(sign(secret, parts[1]));
  const given = Buffer.from(parts[2]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { error: 'media token signature does not match' };
  let claims: { t?: unknown; a?: unknown; exp?: unknown };
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { error: 'malformed media token' };
  }
  if (typeof claims.t !== 'string' || typeof claims.a !== 'string' || typeof claims.exp !== 'number') return { error: 'media token lacks tenant, agent or expiry' };
  if (claims.exp < nowS) return { error: 'media token expired' };
  return { tenantId: claims.t, agentId: claims.a, expiresAt: claims.exp };
}
