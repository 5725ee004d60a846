// Prometheus metrics (GET /metrics). Every limit counts its refusals, so an operator can tell an
// attack from a misconfiguration.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

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

export class Metrics {
  readonly registry = new Registry();
  readonly refusals = new Counter({ name: 'wg_limit_refusals_total', help: 'Requests refused or sockets closed by a limit', labelNames: ['limit'] as const, registers: [this.registry] });
  readonly messages = new Counter({ name: 'wg_messages_total', help: 'Messages accepted, by direction (in = user to platform, out = platform to user)', labelNames: ['direction'] as const, registers: [this.registry] });
  readonly outbox = new Counter({ name: 'wg_outbox_attempts_total', help: 'Platform calls of the outbox, by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly webhook = new Counter({ name: 'wg_webhook_requests_total', help: 'Webhook requests by status code', labelNames: ['status'] as const, registers: [this.registry] });
  readonly webhookDropped = new Counter({ name: 'wg_webhook_dropped_total', help: 'Platform messages accepted (200) but not stored, by reason (unknown_session: no session has the urn)', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly connections = new Gauge({ name: 'wg_connections', help: 'Open WebSocket connections', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'wg_' });
  }

  refuse(limit: LimitName): void {
    this.refusals.inc({ limit });
  }
}
