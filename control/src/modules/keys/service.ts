// API keys for machines: the secret is shown once at creation; afterwards only its prefix identifies it.
import { newId, newSecret, sha256 } from '../../ids.ts';
import type { Db } from '../../db/database.ts';
import type { Principal, Scope } from '../../plugins/auth.ts';
import { KeyRepository, type ApiKeyRecord } from './repository.ts';

/** last_used_at is written at most this often per key, so a busy key costs no write per request. */
const TOUCH_EVERY_MS = 60_000;

export class KeyService {
  readonly #repo: KeyRepository;
  readonly #touchedMs = new Map<string, number>();

  constructor(db: Db, private readonly now: () => number = Date.now) {
    this.#repo = new KeyRepository(db);
  }

  async create(tenantId: string, name: string, scopes: Scope[]): Promise<{ key: ApiKeyRecord; secret: string }> {
    const prefix = `ivk_${newSecret(6).slice(0, 8)}`;
    const secret = `${prefix}_${newSecret(32)}`;
    const id = newId('key');
    await this.#repo.insert({ id, tenantId, name, prefix, hash: sha256(secret), scopes: [...new Set(scopes)], atMs: this.now() });
    return { key: (await this.#repo.get(tenantId, id))!, secret };
  }

  list(tenantId: string): Promise<ApiKeyRecord[]> {
    return this.#repo.list(tenantId);
  }

  get(tenantId: string, id: string): Promise<ApiKeyRecord | null> {
    return this.#repo.get(tenantId, id);
  }

  revoke(tenantId: string, id: string): Promise<boolean> {
    return this.#repo.revoke(tenantId, id, this.now());
  }

  /** The principal an API key stands for, or null when it is unknown or revoked. */
  async principalOf(secret: string): Promise<Principal | null> {
    const record = await this.#repo.byHash(sha256(secret));
    if (!record || record.revokedAt) return null;
    const now = this.now();
    if (now - (this.#touchedMs.get(record.id) ?? 0) >= TOUCH_EVERY_MS) {
      this.#touchedMs.set(record.id, now);
      await this.#repo.touch(record.id, now);
    }
    return { tenantId: record.tenantId, kind: 'key', subjectId: record.id, role: null, scopes: new Set(record.scopes) };
  }
}
