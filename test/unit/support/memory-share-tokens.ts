import type { ShareToken, ShareTokenGrant } from '../../../lambdas/domain/model';
import { StaleWrite, type ShareTokenRepository } from '../../../lambdas/domain/ports';

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
    this.bump(token.fileId);
  }
  async findBySecretHash(secretHash: string): Promise<ShareTokenGrant | undefined> {
    this.calls.push('findBySecretHash');
    const token = [...this.tokens.values()].find((t) => t.secretHash === secretHash);
    return token && { id: token.id, fileId: token.fileId, tenantId: token.tenantId, accessLevel: token.accessLevel, expiresAt: token.expiresAt };
  }
  async listOf(fileId: string) {
    this.calls.push('listOf');
    return { tokens: [...this.tokens.values()].filter((t) => t.fileId === fileId).map((t) => structuredClone(t)), setVersion: this.setVersions.get(fileId) ?? 0 };
  }
  async delete(token: ShareToken, setVersion?: number) {
    this.calls.push('delete');
    if (setVersion !== undefined && setVersion !== (this.setVersions.get(token.fileId) ?? 0)) throw new StaleWrite(`The share tokens of file ${token.fileId}`);
    this.tokens.delete(token.id);
    this.bump(token.fileId);
  }
  async deleteAllOf(fileId: string) {
    this.calls.push('deleteAllOf');
    for (const [id, token] of this.tokens) if (token.fileId === fileId) this.tokens.delete(id);
    this.setVersions.delete(fileId);
  }
  async recordUse(tokenId: string, _fileId: string, at: Date) {
    this.calls.push('recordUse');
    const token = this.tokens.get(tokenId);
    if (token) token.lastUsedAt = at.toISOString();
  }
  async countRequest(tokenId: string, windowStart: Date) {
    this.calls.push('countRequest');
    const key = `${tokenId}@${windowStart.toISOString()}`;
    const count = (this.requests.get(key) ?? 0) + 1;
    this.requests.set(key, count);
    return count;
  }
  private bump(fileId: string) {
    this.setVersions.set(fileId, (this.setVersions.get(fileId) ?? 0) + 1);
  }
}
