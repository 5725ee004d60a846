// The media role in process memory (STORE_URL=memory:): gone with the process, like the rest.
import type { MediaRecord, MediaStore, MediaUsage } from '../media-role.js';

export class MemoryMediaStore implements MediaStore {
  private readonly items = new Map<string, { record: MediaRecord; bytes: Buffer }>();

  async init(): Promise<void> {}
  async close(): Promise<void> {}

  async put(record: MediaRecord, bytes: Buffer): Promise<void> {
    this.items.set(record.id, { record: { ...record }, bytes: Buffer.from(bytes) });
  }

  async get(id: string): Promise<{ record: MediaRecord; bytes: Buffer } | null> {
    const item = this.items.get(id);
    return item ? { record: { ...item.record }, bytes: item.bytes } : null;
  }

  async head(id: string): Promise<MediaRecord | null> {
    const item = this.items.get(id);
    return item ? { ...item.record } : null;
  }

  async forMessages(urn: string, messageIds: readonly string[]): Promise<Map<string, MediaRecord>> {
    const wanted = new Set(messageIds);
    const out = new Map<string, MediaRecord>();
    for (const { record } of this.items.values()) if (record.urn === urn && wanted.has(record.messageId)) out.set(record.messageId, { ...record });
    return out;
  }

  async bytesSince(urn: string, since: number): Promise<number> {
    let n = 0;
    for (const { record } of this.items.values()) if (record.urn === urn && record.createdAt >= since) n += record.size;
    return n;
  }

  async usage(): Promise<MediaUsage> {
    let bytes = 0;
    for (const { record } of this.items.values()) bytes += record.size;
    return { items: this.items.size, bytes };
  }

  async prune(cutoff: number): Promise<number> {
    return this.deleteWhere((r) => r.createdAt < cutoff);
  }

  async delete(id: string): Promise<boolean> {
    return this.items.delete(id);
  }

  async deleteSession(urn: string): Promise<number> {
    return this.deleteWhere((r) => r.urn === urn);
  }

  private deleteWhere(pred: (r: MediaRecord) => boolean): number {
    let n = 0;
    for (const [id, { record }] of this.items) {
      if (!pred(record)) continue;
      this.items.delete(id);
      n++;
    }
    return n;
  }
}
