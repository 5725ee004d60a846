// Prometheus metrics (GET /metrics; on INTERNAL_PORT when set). Every limit counts its refusals,
// so an operator can tell an attack from a misconfiguration. Node's default metrics keep their
// standard names (process_*, nodejs_*) so stock dashboards match. The table of every metric is in
// docs/metrics.md.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { VERSION } from './version.js';

export type LimitName =
  | 'origin'
  | 'connections_per_ip'
  | 'registrations_per_ip'
  | 'event_rate'
  | 'rate_abuse_close'
  | 'register_timeout'
  | 'backpressure'
  | 'frame_size'
  | 'webhook_body';

/** What the store-backed gauges read at each scrape (see Gateway.storeGauges). */
export interface GaugeSource {
  sessions: number;
  outboxPending: number;
  outboxFailed: number;
  /** Age in seconds of the oldest pending outbox entry, 0 when none. */
  outboxOldestAge: number;
  /** Bytes the store occupies, when it can tell cheaply (SQLite file, Redis used_memory). */
  storeBytes: number | null;
}

// Latencies from milliseconds to minutes (outages and retries make the tail long).
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();
  readonly refusals = this.counter('wg_limit_refusals_total', 'limit', 'Requests refused or sockets closed by a limit');
  readonly messages = this.counter('wg_messages_total', 'direction', 'Messages accepted, by direction (in = user to platform, out = platform to user)');
  readonly outbox = this.counter('wg_outbox_attempts_total', 'outcome', 'Platform calls of the outbox, by outcome');
  readonly webhook = this.counter('wg_webhook_requests_total', 'status', 'Webhook requests by status code');
  readonly webhookDropped = this.counter(
    'wg_webhook_dropped_total',
    'reason',
    'Platform messages accepted (200) but not stored, by reason (unknown_session: no session has the urn)',
  );
  readonly connectionsByProtocol = new Gauge({
    name: 'wg_connections',
    help: 'Open WebSocket connections, by widget protocol',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });
  /** The SocketCluster front-end's connections (inc/dec as before). */
  readonly connections = this.connectionsByProtocol.labels({ protocol: 'socketcluster' });
  /** The WWC front-end's connections. */
  readonly wwcConnections = this.connectionsByProtocol.labels({ protocol: 'wwc' });

  readonly platformToWidget = this.histogram(
    'wg_platform_to_widget_seconds',
    LATENCY_BUCKETS,
    'Platform message latency: webhook accepted (stored) to receipt proven by a widget connection',
  );
  readonly widgetToPlatform = this.histogram(
    'wg_widget_to_platform_seconds',
    LATENCY_BUCKETS,
    'User message latency: stored to accepted (2xx) by the platform, retries included',
  );
  readonly platformCall = this.histogram(
    'wg_platform_call_seconds',
    CALL_BUCKETS,
    'Duration of one HTTP call to the platform, by call (forward, delivered, failed) and outcome (accepted, retry, rejected)',
    ['call', 'outcome'] as const,
  );
  readonly webhookDuration = this.histogram('wg_webhook_duration_seconds', CALL_BUCKETS, 'Time to handle one webhook request (POST /send), any status');

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'wg_build_info',
      help: 'Always 1; the labels tell the running version',
      labelNames: ['version', 'node'] as const,
      registers: [this.registry],
    }).set({ version: VERSION, node: process.version }, 1);
  }

  /** A counter with one label, in this registry. */
  private counter<L extends string>(name: string, label: L, help: string): Counter<L> {
    return new Counter({ name, help, labelNames: [label], registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, buckets: number[], help: string, labelNames: readonly L[] = []): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  refuse(limit: LimitName): void {
    this.refusals.inc({ limit });
  }

  /**
   * Gauges read from the store at each scrape. `read` is called once per scrape (the gauges share
   * one call) and may be cached by the caller.
   */
  addStoreGauges(read: () => Promise<GaugeSource>, ready: () => Promise<boolean>): void {
    let current: Promise<GaugeSource> | undefined;
    // One store read per scrape for all five gauges: the first collect() starts it, the others
    // reuse it, and it is dropped once settled.
    const shared = (): Promise<GaugeSource> => {
      if (!current) {
        current = read();
        void current.finally(() => setImmediate(() => (current = undefined))).catch(() => {});
      }
      return current;
    };
    const gauge = (name: string, help: string, pick: (s: GaugeSource) => number | null): void => this.addGauge(name, help, async () => pick(await shared()));
    this.addGauge('wg_ready', 'Whether this node is ready (1) or not (0): the same checks as GET /readyz', async () => ((await ready()) ? 1 : 0));
    gauge('wg_sessions', 'Sessions in the store', (s) => s.sessions);
    gauge('wg_outbox_pending', 'User messages waiting to be accepted by the platform', (s) => s.outboxPending);
    gauge('wg_outbox_failed', 'User messages given up (kept for inspection and retry from /admin/)', (s) => s.outboxFailed);
    gauge('wg_outbox_oldest_pending_seconds', 'Age of the oldest pending outbox entry (0 when none)', (s) => s.outboxOldestAge);
    gauge('wg_store_bytes', 'Bytes the store occupies (SQLite file and WAL, Redis used_memory); absent for memory:', (s) => s.storeBytes);
  }

  /** A gauge whose value is read at each scrape; null or a throw leaves it without a value. */
  addGauge(name: string, help: string, read: () => Promise<number | null>): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        try {
          const v = await read();
          if (v === null) this.reset();
          else this.set(v);
        } catch {
          this.reset(); // e.g. store down: no value rather than a stale one (readyz says why)
        }
      },
    });
  }
}
