// The Redis store's settings, sessions and message log (roles.ts). Key layout: store.ts.
import { asPart, UnknownSessionError, type Direction, type InboundMessage, type ReadOptions, type SessionRecord, type StoredMessage } from '../store.js';
import type { MessageLog, SessionStore, SettingsStore } from '../roles.js';
import { RedisBase } from './base.js';

const READ_BATCH = 200;

/** The message JSON without its seq (the Lua side adds it); see lua/message-member.lua. */
function messageBody(direction: Direction, id: string, text: string, payload: Record<string, unknown>, createdAt: number): string {
  return JSON.stringify({ direction, id, text, payload, createdAt });
}

export function parseMessage(urn: string, member: string): StoredMessage {
  const m = JSON.parse(member) as Omit<StoredMessage, 'urn'>;
  const message: StoredMessage = { urn, seq: m.seq, direction: m.direction, id: m.id, text: m.text, payload: m.payload, createdAt: m.createdAt };
  return m.part !== undefined && m.part > 1 ? asPart(message, m.id, m.part) : message;
}

export class RedisMessages extends RedisBase implements SettingsStore, SessionStore, MessageLog {
  async getOrSetSetting(key: string, value: string): Promise<string> {
    const k = this.k(`setting:${key}`);
    // MULTI makes SET NX + GET one atomic step; GET returns whichever value won.
    const res = await this.redis.multi().set(k, value, 'NX').get(k).exec();
    const [err, got] = res![1]!;
    if (err) throw err;
    return got as string;
  }

  async createSession(session: SessionRecord): Promise<{ created: boolean; session: SessionRecord }> {
    const r = (await this.redis.wgCreateSession(
      this.k(`session:${session.urn}`),
      this.k('sessions'),
      session.urn,
      session.channelUuid,
      session.hostApi === null ? '0' : '1',
      session.hostApi ?? '',
      session.createdAt,
    )) as [number, string?, string?, string?];
    if (r[0] === 1) return { created: true, session: { ...session } };
    return { created: false, session: { urn: session.urn, channelUuid: r[1]!, hostApi: r[2] ?? null, createdAt: Number(r[3]) } };
  }

  async getSession(urn: string): Promise<SessionRecord | null> {
    const [channelUuid = null, hostApi = null, createdAt = null] = await this.redis.hmget(this.k(`session:${urn}`), 'channelUuid', 'hostApi', 'createdAt');
    if (channelUuid === null || createdAt === null) return null;
    return { urn, channelUuid, hostApi, createdAt: Number(createdAt) };
  }

  async deleteSession(urn: string): Promise<boolean> {
    const k = this.sessionKeys(urn);
    const keys = [k.session, k.msgs, k.msgtime, k.outids, k.queue, k.failedof, this.k('sessions')];
    const shared = [this.k('outbox:due'), this.k('outbox:pending'), this.k('outbox:failed'), this.k('expiry')];
    return (await this.redis.wgDeleteSession(...keys, ...shared, k.cids, k.sval, this.p, urn)) === 1;
  }

  /** KEYS[1..7] of lua/append-inbound.lua (append-inbound-once.lua starts alike). */
  private inboundArgs(urn: string): string[] {
    const k = this.sessionKeys(urn);
    return [k.session, k.msgs, k.msgtime, k.queue, this.k('outbox:due'), this.k('outbox:id'), this.k('outbox:pending')];
  }

  async getSessionValue(urn: string, name: string): Promise<string | null> {
    return this.redis.hget(this.sessionKeys(urn).sval, name);
  }

  async putSessionValue(urn: string, name: string, value: string, mode: 'always' | 'ifAbsent' = 'always'): Promise<string> {
    const k = this.sessionKeys(urn);
    const held = (await this.redis.wgPutSessionValue(k.session, k.sval, name, value, mode === 'ifAbsent' ? '1' : '0')) as string | null;
    if (held === null) throw new UnknownSessionError(urn);
    return held;
  }

  async clearSessionValue(urn: string, name: string, ifValue?: string): Promise<void> {
    await this.redis.wgClearSessionValue(this.sessionKeys(urn).sval, name, ifValue ?? '', ifValue === undefined ? '0' : '1');
  }

  async appendInbound(urn: string, msg: InboundMessage): Promise<StoredMessage> {
    const payload = structuredClone(msg.payload ?? {});
    const body = messageBody('in', msg.id, msg.text, payload, msg.createdAt);
    const seq = await this.redis.wgAppendInbound(...this.inboundArgs(urn), this.p, urn, body, msg.createdAt, msg.id, msg.text);
    if (seq === null) throw new UnknownSessionError(urn);
    return { urn, seq: Number(seq), direction: 'in', id: msg.id, text: msg.text, payload, createdAt: msg.createdAt };
  }

  async appendInboundOnce(urn: string, msg: InboundMessage & { clientId: string }): Promise<{ message: StoredMessage; duplicate: boolean }> {
    const payload = { ...structuredClone(msg.payload ?? {}), clientMessageId: msg.clientId };
    const body = messageBody('in', msg.id, msg.text, payload, msg.createdAt);
    const args = [this.p, urn, '', msg.createdAt, msg.id, msg.text, msg.clientId, body];
    const r = (await this.redis.wgAppendInboundOnce(...this.inboundArgs(urn), this.k(`cids:${urn}`), ...args)) as [number, number | string] | null;
    if (r === null) throw new UnknownSessionError(urn);
    if (r[0] === 1) return { message: parseMessage(urn, String(r[1])), duplicate: true };
    return { message: { urn, seq: Number(r[1]), direction: 'in', id: msg.id, text: msg.text, payload, createdAt: msg.createdAt }, duplicate: false };
  }

  async findInboundOnce(urn: string, clientId: string): Promise<StoredMessage | null> {
    const seq = await this.redis.hget(this.k(`cids:${urn}`), clientId);
    if (seq === null) return null;
    const [member] = await this.redis.zrangebyscore(this.k(`msgs:${urn}`), seq, seq);
    return member === undefined ? null : parseMessage(urn, member);
  }

  async appendOutbound(
    urn: string,
    msg: { id: string; text: string; payload: Record<string, unknown>; createdAt: number },
  ): Promise<{ message: StoredMessage; duplicate: boolean }> {
    const k = this.sessionKeys(urn);
    const body = messageBody('out', msg.id, msg.text, msg.payload, msg.createdAt);
    const keys = [k.session, k.msgs, k.msgtime, k.outids, this.k('expiry')];
    const r = (await this.redis.wgAppendOutbound(...keys, body, msg.createdAt, msg.id, urn, msg.text)) as [number, string] | null;
    if (r === null) throw new UnknownSessionError(urn);
    return { message: parseMessage(urn, r[1]), duplicate: r[0] === 1 };
  }

  async readMessages(urn: string, o: ReadOptions): Promise<StoredMessage[]> {
    if (o.limit <= 0) return [];
    const key = this.k(`msgs:${urn}`);
    // Exclusive seq bounds; they move as pages are read, so concurrent pruning cannot shift them.
    let low = o.afterSeq !== undefined ? `(${o.afterSeq}` : '-inf';
    let high = o.beforeSeq !== undefined ? `(${o.beforeSeq}` : '+inf';
    const out: StoredMessage[] = [];
    // Without a direction filter one page is the answer; with one, read on until `limit` match.
    const batch = o.direction === undefined ? o.limit : Math.max(o.limit, READ_BATCH);
    for (;;) {
      const page = o.newestFirst
        ? await this.redis.zrevrangebyscore(key, high, low, 'LIMIT', 0, batch)
        : await this.redis.zrangebyscore(key, low, high, 'LIMIT', 0, batch);
      for (const member of page) {
        const m = parseMessage(urn, member);
        if (o.direction === undefined || m.direction === o.direction) out.push(m);
        if (out.length === o.limit) return out;
      }
      if (page.length < batch) return out;
      const last = parseMessage(urn, page[page.length - 1]!).seq;
      if (o.newestFirst) high = `(${last}`;
      else low = `(${last}`;
    }
  }

  async getDeliveredSeq(urn: string): Promise<number> {
    return Number((await this.redis.hget(this.k(`session:${urn}`), 'deliveredSeq')) ?? 0);
  }

  async advanceDeliveredSeq(urn: string, seq: number): Promise<number> {
    return Number(await this.redis.wgAdvanceDelivered(this.k(`session:${urn}`), this.k('expiry'), seq, urn));
  }
}
