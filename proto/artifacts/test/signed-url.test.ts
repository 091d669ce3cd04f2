// Signed URLs for local artifacts: a link works until its expiry and not after; any change to the key, the expiry
// or the signature is refused as tampered, with kind 'credentials' (control answers 403).
import { describe, expect, it } from 'vitest';
import { ArtifactStoreError } from '../src/artifact-store.ts';
import { signLocalUrl, verifyLocalSignedUrl } from '../src/signed-url.ts';

const KEY = 'acme/2026/03/04/call-1/recording.wav';
const SECRET = 'a-long-url-secret';
const EXPIRES = 1_790_000_000;

const query = (url: string) => new URL(url, 'http://control.local').searchParams;

function refusal(check: ReturnType<typeof verifyLocalSignedUrl>): ArtifactStoreError {
  expect(check.ok).toBe(false);
  const { error } = check as { ok: false; error: ArtifactStoreError };
  expect(error).toBeInstanceOf(ArtifactStoreError);
  expect(error.kind).toBe('credentials');
  return error;
}

describe('local signed URLs', () => {
  it('have the path control serves, the expiry and a hex HMAC-SHA256', () => {
    const url = signLocalUrl(KEY, EXPIRES, SECRET);
    expect(url).toMatch(new RegExp(`^/artifacts/signed/${KEY}\\?expires=${EXPIRES}&signature=[0-9a-f]{64}$`));
    expect(signLocalUrl(KEY, EXPIRES, SECRET)).toBe(url); // deterministic
    expect(signLocalUrl(KEY, EXPIRES, 'another-secret')).not.toBe(url);
  });

  it('are accepted until the expiry second, then refused as expired', () => {
    const params = query(signLocalUrl(KEY, EXPIRES, SECRET));
    expect(verifyLocalSignedUrl(KEY, params, SECRET, EXPIRES - 1)).toEqual({ ok: true });
    const error = refusal(verifyLocalSignedUrl(KEY, params, SECRET, EXPIRES));
    expect(error.message).toMatch(/expired/);
    expect(error.message).toContain(KEY);
    // A plain object query (as a router gives it) works the same.
    expect(verifyLocalSignedUrl(KEY, Object.fromEntries(params), SECRET, EXPIRES - 1)).toEqual({ ok: true });
  });

  it('are refused as tampered when the key, the expiry, the signature or the secret differ', () => {
    const params = query(signLocalUrl(KEY, EXPIRES, SECRET));
    const signature = params.get('signature')!;
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'a' ? 'b' : 'a'}${signature.slice(11)}`;
    const cases = [
      verifyLocalSignedUrl('acme/2026/03/04/call-2/recording.wav', params, SECRET, EXPIRES - 1),
      verifyLocalSignedUrl(KEY, { expires: String(EXPIRES + 3600), signature }, SECRET, EXPIRES - 1),
      verifyLocalSignedUrl(KEY, { expires: String(EXPIRES), signature: flipped }, SECRET, EXPIRES - 1),
      verifyLocalSignedUrl(KEY, { expires: String(EXPIRES), signature: signature.slice(0, 62) }, SECRET, EXPIRES - 1),
      verifyLocalSignedUrl(KEY, { expires: String(EXPIRES) }, SECRET, EXPIRES - 1),
      verifyLocalSignedUrl(KEY, { expires: 'soon', signature }, SECRET, EXPIRES - 1),
      verifyLocalSignedUrl(KEY, params, 'another-secret', EXPIRES - 1),
    ];
    for (const check of cases) expect(refusal(check).message).toMatch(/tampered/);
    // A tampered link past its expiry is still reported as tampered: the expiry in it cannot be trusted.
    expect(refusal(verifyLocalSignedUrl(KEY, { expires: String(EXPIRES), signature: flipped }, SECRET, EXPIRES + 10)).message).toMatch(/tampered/);
  });

  it('cannot be made without a secret', () => {
    expect(() => signLocalUrl(KEY, EXPIRES, '')).toThrow(expect.objectContaining({ kind: 'config' }));
  });
});
