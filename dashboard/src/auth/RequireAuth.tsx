import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { lastEndReason } from './session';
import { useSession } from './useSession';

/** Sends a visitor without a session to the login page, remembering where they were going. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (session) return children;
  const next = `${location.pathname}${location.search}`;
  const params = new URLSearchParams({ next });
  if (lastEndReason() === 'expired') params.set('expired', '1');
  return <Navigate to={`/login?${params}`} replace />;
}
