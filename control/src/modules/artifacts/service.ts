// A call's artifacts as its tenant may reach them: every path starts from the call record read under the caller's
// tenant, and the key is built from that record, so another tenant's objects can neither be read nor signed.
import { callPrefix, type ArtifactStore } from '@invorto/artifacts/artifact-store.ts';
import type { Db } from '../../db/database.ts';
import { notFound } from '../../plugins/errors.ts';
import { CallRepository, type CallRow } from '../calls/repository.ts';
import { contentTypeOf, storeFailure } from './send-artifact.ts';

export interface ListedArtifact { name: string; size: number; contentType: string; lastModified: string; url: string }

export class ArtifactService {
  readonly #calls: CallRepository;

  constructor(readonly store: ArtifactStore, private readonly db: Db, dialect: 'sqlite' | 'postgres', private readonly now: () => number) {
    this.#calls = new CallRepository(db, dialect);
  }

  /** The call's folder in the store; 404 when the call is not this tenant's. */
  async folderOf(tenantId: string, callId: string): Promise<{ call: CallRow; prefix: string }> {
    const call = await this.#calls.get(tenantId, callId);
    if (!call) throw notFound(`call "${callId}"`);
    try {
      return { call, prefix: callPrefix(call.tenant_id, call.id, new Date(Number(call.started_at))) };
    } catch {
      // An id the key scheme cannot hold (no edge writes one): such a call has nothing stored.
      throw notFound(`artifacts of call "${callId}"`);
    }
  }

  async keyOf(tenantId: string, callId: string, name: string): Promise<string> {
    return (await this.folderOf(tenantId, callId)).prefix + name;
  }

  /** The call's artifacts, each with a URL that works without credentials for `expiresInS`. */
  async list(tenantId: string, callId: string, expiresInS: number, baseUrl: string): Promise<{ expiresAt: string; artifacts: ListedArtifact[] }> {
    const { prefix } = await this.folderOf(tenantId, callId);
    try {
      const infos = (await this.store.list(prefix)).filter((info) => !info.key.slice(prefix.length).includes('/'));
      const artifacts = await Promise.all(infos.map(async (info) => {
        const url = await this.store.signedUrl(info.key, expiresInS);
        return {
          name: info.key.slice(prefix.length), size: info.size, contentType: contentTypeOf(info.key, info.meta.contentType),
          lastModified: info.lastModified.toISOString(), url: url.startsWith('/') ? `${baseUrl}${url}` : url,
        };
      }));
      return { expiresAt: new Date(this.now() + expiresInS * 1000).toISOString(), artifacts };
    } catch (error) {
      throw storeFailure(error);
    }
  }

  /**
   * Deletes the call's artifacts, then its record and timeline. Artifacts first: when the store fails the record
   * stays, so the delete can be retried and nothing is left in the store without a call to find it by. Billing
   * records stay (an issued invoice is built from them).
   */
  async deleteCall(tenantId: string, callId: string): Promise<{ artifactsDeleted: number }> {
    const { call, prefix } = await this.folderOf(tenantId, callId);
    let artifactsDeleted: number;
    try {
      artifactsDeleted = await this.store.deletePrefix(prefix);
    } catch (error) {
      throw storeFailure(error);
    }
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('call_events').where('call_id', '=', call.id).execute();
      await tx.deleteFrom('calls').where('tenant_id', '=', tenantId).where('id', '=', call.id).execute();
    });
    return { artifactsDeleted };
  }
}
