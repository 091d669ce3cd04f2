// The login session: tokens in localStorage (a reload keeps you logged in), refreshed a minute before the access
// token expires and whenever a request finds it about to. A failed refresh ends the session as "expired".
import type { components } from '../api/schema';

type Role = components['schemas']['Session']['role'];

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires, ms since the epoch. */
  expiresAtMs: number;
  tenantId: string;
  role: Role;
  email: string;
}

export type EndReason = 'logout' | 'expired';

const KEY = 'invorto.session';
const listeners = new Set<() => void>();
let current: Session | null = load();
let lastEnd: EndReason | null = null;
let refreshing: Promise<Session | null> | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;

function load(): Session | null {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function publish(next: Session | null): void {
  current = next;
  if (next) localStorage.setItem(KEY, JSON.stringify(next));
  else localStorage.removeItem(KEY);
  clearTimeout(timer);
  if (next) timer = setTimeout(() => void refresh(), Math.max(5_000, next.expiresAtMs - Date.now() - 60_000));
  for (const listener of listeners) listener();
}

export const getSession = (): Session | null => current;
export const lastEndReason = (): EndReason | null => lastEnd;
export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function startSession(body: components['schemas']['Session']): void {
  lastEnd = null;
  publish({
    accessToken: body.accessToken, refreshToken: body.refreshToken, expiresAtMs: Date.now() + body.expiresIn * 1000,
    tenantId: body.tenantId, role: body.role, email: body.user.email,
  });
}

export function endSession(reason: EndReason): void {
  if (!current) return;
  lastEnd = reason;
  publish(null);
}

/** Trades the refresh token for a new pair; one refresh at a time, however many requests ask. */
export function refresh(): Promise<Session | null> {
  const session = current;
  if (!session) return Promise.resolve(null);
  refreshing ??= (async () => {
    try {
      const response = await fetch('/v1/auth/refresh', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: session.refreshToken }),
      });
      if (!response.ok) throw new Error(`refresh answered ${response.status}`);
      startSession(await response.json());
      return current;
    } catch {
      endSession('expired');
      return null;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** The access token to send now: refreshed first when it expires within 30 s. */
export async function accessToken(): Promise<string | null> {
  if (!current) return null;
  if (current.expiresAtMs - Date.now() < 30_000) await refresh();
  return current?.accessToken ?? null;
}

if (current) publish(current);
