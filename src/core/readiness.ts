// Readiness (/health/ready, the admin page, the wg_ready gauge): the store answers within
// READINESS_TIMEOUT and a fanout notification makes the round trip.
import type { Fanout } from '../delivery/fanout.js';
import type { Lifecycle } from '../store/store.js';

export const READINESS_TIMEOUT = 1_000;

export interface Readiness {
  ok: boolean;
  checks: Record<string, string>;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The one store call readiness makes: a round trip to the backend. */
function pingStore(store: Pick<Lifecycle, 'ping'>): Promise<unknown> {
  return store.ping();
}

export async function checkReadiness(store: Pick<Lifecycle, 'ping'>, fanout: Fanout): Promise<Readiness> {
  const checks: Record<string, string> = {};
  let ok = true;
  try {
    await withTimeout(pingStore(store), READINESS_TIMEOUT);
    checks['store'] = 'ok';
  } catch (err) {
    ok = false;
    checks['store'] = (err as Error).message;
  }
  const fan = await fanout.healthy();
  checks['fanout'] = fan.detail;
  return { ok: ok && fan.ok, checks };
}
