import type { ShareToken, ShareTokenGrant } from '../../../lambdas/domain/model';
import { StaleWrite, type ShareTokenRepository, type TokenOwner } from '../../../lambdas/domain/ports';

/** What a token's set belongs to: its file, or its tenant's drop boxes. */
export const ownerKey = (token: Pick<TokenOwner, 'fileId' | 'tenantId'>) => token.fileId ?? `dropboxes:${token.tenantId}`;

/** Share tokens in memory, with the repository's rules: one set version per file, counted requests. */
export class MemoryShareTokens implements ShareTokenRepository {
  readonly tokens = new Map<string, ShareToken>();
  readonly setVersions = new Map<string, number>();
  readonly requests = new Map<string, number>();
  /** Calls by method name: what a request cost. */
  readonly calls: string[] = [];

  async create(token: ShareToken) {
    this.calls.push('create');
    this.tokens.set(token.id, structuredClone(token));
    this.bump(ownerKey(token));
  }
  async findBySecretHash(secretHash: string): Promise<ShareTokenGrant | undefined> {
    this.calls.push('findBySecretHash');
    const token = [...this.tokens.values()].find((t) => t.secretHash === secretHash);
    return (
      token && {
        id: token.id,
        fileId: token.fileId,
        tenantId: token.tenantId,
        accessLevel: token.accessLevel,
        expiresAt: token.expiresAt,
        ...(token.upload && { upload: structuredClone(token.upload) }),
      }
    );
  }
  async listOf(fileId: string) {
    this.calls.push('listOf');
    return { tokens: [...this.tokens.values()].filter((t) => t.fileId === fileId).map((t) => structuredClone(t)), setVersion: this.setVersions.get(fileId) ?? 0 };
  }
  async listDropBoxes(tenantId: string) {
    this.calls.push('listDropBoxes');
    return [...this.tokens.values()].filter((t) => t.fileId === null && t.tenantId === tenantId).map((t) => structuredClone(t));
  }
  async delete(token: ShareToken, setVersion?: number) {
    this.calls.push('delete');
    if (setVersion !== undefined && setVersion !== (this.setVersions.get(ownerKey(token)) ?? 0)) throw new StaleWrite(`The share tokens of file ${token.fileId}`);
    this.tokens.delete(token.id);
    this.bump(ownerKey(token));
  }
  async deleteAllOf(fileId: string) {
    this.calls.push('deleteAllOf');
    for (const [id, token] of this.tokens) if (token.fileId === fileId) this.tokens.delete(id);
    this.setVersions.delete(fileId);
  }
  async recordUse(owner: TokenOwner, at: Date) {
    this.calls.push('recordUse');
    const token = this.tokens.get(owner.id);
    if (token) token.lastUsedAt = at.toISOString();
  }
  async countFile(owner: TokenOwner, maxFiles: number | null) {
    this.calls.push('countFile');
    const token = this.tokens.get(owner.id);
    if (!token || (maxFiles !== null && (token.filesCreated ?? 0) >= maxFiles)) return false;
    token.filesCreated = (token.filesCreated ?? 0) + 1;
    return true;
  }
  async countRequest(tokenId: string, windowStart: Date) {
    this.calls.push('countRequest');
    const key = `${tokenId}@${windowStart.toISOString()}`;
    const count = (this.requests.get(key) ?? 0) + 1;
    this.requests.set(key, count);
    return count;
  }
  private bump(owner: string) {
    this.setVersions.set(owner, (this.setVersions.get(owner) ?? 0) + 1);
  }
}
