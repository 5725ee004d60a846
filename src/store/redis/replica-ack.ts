// REDIS_MIN_REPLICAS_ACK: "accepted means kept" across a Sentinel failover. Redis replicates
// asynchronously, so a write the primary acknowledged can vanish with it. Every store write
// whose result answers a widget or the platform is followed by WAIT <n> <timeout> on the same
// connection, and only then returned; a WAIT that times out is WG_ERR_NOT_REPLICATED, never a
// success.
//
// Group commit: WAIT covers every write the connection made before it, and blocks the
// connection while it waits, so writes that finish while a WAIT is in flight share the next one
// (at most one WAIT in flight and one queued, whatever the write rate). Because WAIT blocks its
// connection, the acknowledged writes go over a connection of their own (a second store on the
// same Redis): reads and the other writes never queue behind a WAIT.
import { GatewayError } from '../../errors/catalogue.js';
import type { Store } from '../store.js';
import type { MediaStore } from '../media-role.js';

/** The write reached the primary but not enough replicas within the timeout. */
export class ReplicaAckError extends GatewayError {
  constructor(
    readonly acked: number,
    readonly wanted: number,
    timeoutMs: number,
  ) {
    super(
      'WG_ERR_NOT_REPLICATED',
      `The write reached ${acked} of the ${wanted} Redis replicas REDIS_MIN_REPLICAS_ACK asks for within ${timeoutMs} ms; it may not survive a failover. Retry.`,
    );
  }
}

export interface ReplicaAckStats {
  /** Writes confirmed or refused. */
  writes: number;
  /** WAIT commands sent (writes / waits = how many writes shared one). */
  waits: number;
  timeouts: number;
}

export class ReplicaAck {
  private inFlight: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private readonly counts: ReplicaAckStats = { writes: 0, waits: 0, timeouts: 0 };

  constructor(
    private readonly wait: (replicas: number, timeoutMs: number) => Promise<number>,
    readonly replicas: number,
    readonly timeoutMs: number,
  ) {}

  stats(): ReplicaAckStats {
    return { ...this.counts };
  }

  /** Resolves once every write this connection finished before the call is on enough replicas. */
  confirm(): Promise<void> {
    this.counts.writes++;
    if (this.queued) return this.queued;
    if (!this.inFlight) return this.send();
    // The WAIT in flight may have been sent before our write finished: join the next one.
    const queued = this.inFlight.then(
      () => this.afterInFlight(),
      () => this.afterInFlight(),
    );
    this.queued = queued;
    return queued;
  }

  private afterInFlight(): Promise<void> {
    this.queued = null;
    return this.send();
  }

  private send(): Promise<void> {
    this.counts.waits++;
    const p = this.wait(this.replicas, this.timeoutMs).then((acked) => {
      if (acked < this.replicas) {
        this.counts.timeouts++;
        throw new ReplicaAckError(acked, this.replicas, this.timeoutMs);
      }
    });
    this.inFlight = p;
    const clear = () => {
      if (this.inFlight === p) this.inFlight = null;
    };
    p.then(clear, clear);
    return p;
  }
}

/**
 * The store methods whose result answers a widget or the platform: registerUser's session, a
 * user message's callback, the webhook's 200, the admin API's delete, a WWC session's token binding, and the signing key
 * (lost, it would void every token handed out). Each is confirmed by WAIT before it returns.
 * Not here, on purpose: delivery marks and outbox bookkeeping (advanceDeliveredSeq,
 * claim/complete/retry/failOutbox). Losing one of those in a failover only repeats work the
 * guarantees already allow to repeat (a message replayed with the same id and seq, a user
 * message forwarded twice), and waiting on them would put a replica round trip into every
 * receipt ping and every outbox step.
 */
export const ACKED_WRITES = [
  'getOrSetSetting',
  'createSession',
  'deleteSession',
  'appendInbound',
  'appendInboundOnce',
  'appendOutbound',
  'putSessionValue',
] as const satisfies readonly (keyof Store)[];

/**
 * The media role's write: an upload is answered with its URL, and the message that names the file
 * waits for replicas, so the file must too (else a failover keeps a message whose URL is a 404).
 */
export const ACKED_MEDIA_WRITES = ['put'] as const satisfies readonly (keyof MediaStore)[];

/**
 * The store, with every method in `methods` (ACKED_WRITES by default) run on `writer` (the
 * connection `ack` waits on) and confirmed by `ack`; everything else runs on `store` untouched.
 * init and close reach both.
 */
export function withReplicaAck<S extends { init(): Promise<void>; close(): Promise<void> }>(
  store: S,
  writer: S,
  ack: ReplicaAck,
  methods: readonly PropertyKey[] = ACKED_WRITES,
): S {
  const acked = new Set<PropertyKey>(methods);
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'init' || prop === 'close') {
        return async () => {
          await target[prop]();
          if (writer !== target) await writer[prop]();
        };
      }
      if (acked.has(prop)) {
        const method = Reflect.get(writer, prop) as (...a: unknown[]) => Promise<unknown>;
        return async (...args: unknown[]) => {
          const result = await method.apply(writer, args);
          await ack.confirm();
          return result;
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
