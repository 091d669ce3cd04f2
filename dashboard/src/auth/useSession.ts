import { useSyncExternalStore } from 'react';
import { getSession, subscribe, type Session } from './session';

export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, getSession);
}

/** Admins and owners write agents and numbers; a viewer reads (the API refuses a viewer's writes anyway). */
export function useCanEdit(): boolean {
  const session = useSession();
  return session?.role === 'admin' || session?.role === 'owner';
}
