// Tenants, the people in them and the machines that act for them. Times are epoch milliseconds.
import type { Generated } from 'kysely';

export type Role = 'owner' | 'admin' | 'viewer';

export interface TenantTables {
  /** `retention_days`: how long the tenant's call artifacts are kept; null: for ever. */
  tenants: { id: string; name: string; created_at: number; retention_days: number | null };
  users: { id: string; email: string; password_hash: string; created_at: number; password_changed_at: number };
  /** A user's role in one tenant: one person may belong to several. */
  memberships: { tenant_id: string; user_id: string; role: Role; created_at: number };
  /** Refresh tokens, stored as SHA-256 hashes; `family` ties a chain of rotations so reuse revokes the chain. */
  refresh_tokens: {
    hash: string; family: string; user_id: string; tenant_id: string; expires_at: number;
    used_at: number | null; revoked_at: number | null; created_at: number;
  };
  api_keys: {
    id: string; tenant_id: string; name: string; prefix: string; hash: string; scopes: string;
    created_at: number; last_used_at: number | null; revoked_at: number | null;
  };
  /** Sequence of changes edges must see (agent or number edited): edges poll it to drop cached look-ups. */
  changes: { seq: Generated<number>; tenant_id: string; kind: string; key: string; at: number };
}
