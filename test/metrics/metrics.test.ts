// /metrics as Prometheus reads it, during real traffic: outbox gauges rise in a platform outage
// and return to zero after it, the latency histograms get observations, Node's default metrics
// keep their standard names; docs/alerts.yml passes promtool.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sleep, V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, TEST_TOKEN, tempDir, type RunningGateway } from '../helpers/gateway.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** name{labels} -> value, for samples without labels too. */
async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url + '/metrics')).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

describe('metrics', () => {
  let platform: PlatformStandIn;
  let gw: RunningGateway;
  let down = false;
  const widgets: V9Widget[] = [];

  before(async () => {
    platform = await new PlatformStandIn().start();
    platform.responder = () => (down ? { status: 503, body: 'down' } : undefined);
    gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, STORE_URL: `sqlite:${join(tempDir('wg-metrics-'), 'g.db')}` });
  });
  after(async () => {
    for (const w of widgets) w.close();
    await gw.stop();
    await platform.stop();
  });

  it('keeps Node default metrics under their standard names and tells the build', async () => {
    const m = await scrape(gw.url);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      assert.ok(m.has(name), `${name} missing`);
    }
    assert.ok(![...m.keys()].some((k) => k.startsWith('wg_process_') || k.startsWith('wg_nodejs_')));
    const build = [...m.keys()].find((k) => k.startsWith('wg_build_info{'));
    assert.match(build ?? '', /version="\d+\.\d+\.\d+[^"]*"/);
    assert.equal(m.get('wg_ready'), 1);
    assert.ok((m.get('wg_store_bytes') ?? 0) > 0, 'SQLite tells its size');
  });

  it('outbox gauges rise during a platform outage and return to zero after it', async () => {
    const ws = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const w = new V9Widget(gw.port);
        widgets.push(w);
        await w.register();
        await w.subscribeAndWait();
        return w;
      }),
    );
    down = true;
    for (const w of ws) for (let i = 0; i < 2; i++) w.send(`during outage ${i}`);
    await sleep(1200); // let the entries age past a second
    const during = await scrape(gw.url);
    assert.equal(during.get('wg_outbox_pending'), 6);
    assert.ok((during.get('wg_outbox_oldest_pending_seconds') ?? 0) >= 1, String(during.get('wg_outbox_oldest_pending_seconds')));
    assert.ok((during.get('wg_platform_call_seconds_count{call="forward",outcome="retry"}') ?? 0) > 0);
    assert.ok((during.get('wg_sessions') ?? 0) >= 3);
    down = false;
    await waitFor(() => ws.every((w) => platform.textsFrom(w.urn!).length === 2), 15_000, 'outbox drained');
    let afterOutage = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      afterOutage = await scrape(gw.url);
      if (afterOutage.get('wg_outbox_pending') === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(afterOutage.get('wg_outbox_pending'), 0);
    assert.equal(afterOutage.get('wg_outbox_oldest_pending_seconds'), 0);
    assert.equal(afterOutage.get('wg_outbox_failed'), 0);
    // Each message waited through the outage: stored -> 2xx took at least the time it was down.
    assert.equal(afterOutage.get('wg_widget_to_platform_seconds_count'), 6);
    assert.ok((afterOutage.get('wg_widget_to_platform_seconds_sum') ?? 0) >= 6);
    assert.ok((afterOutage.get('wg_platform_call_seconds_count{call="forward",outcome="accepted"}') ?? 0) >= 6);
  });

  it('histograms observe webhook handling and platform -> widget latency up to the proven receipt', async () => {
    const w = new V9Widget(gw.port);
    widgets.push(w);
    await w.register();
    await w.subscribeAndWait();
    for (let i = 0; i < 4; i++) assert.equal((await postToGateway(gw.url, { id: `h${i}`, text: `hi ${i}`, to: w.urn! }, { token: TEST_TOKEN })).status, 200);
    await postToGateway(gw.url, { text: 'no token', to: w.urn! }, {});
    await waitFor(() => w.received.length === 4, 10_000);
    let m = new Map<string, number>();
    for (let i = 0; i < 50; i++) {
      m = await scrape(gw.url);
      if ((m.get('wg_platform_to_widget_seconds_count') ?? 0) >= 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok((m.get('wg_platform_to_widget_seconds_count') ?? 0) >= 4);
    assert.ok((m.get('wg_platform_to_widget_seconds_bucket{le="+Inf"}') ?? 0) >= 4);
    assert.ok((m.get('wg_webhook_duration_seconds_count') ?? 0) >= 5, 'refused webhooks are timed too');
    assert.ok((m.get('wg_connections{protocol="socketcluster"}') ?? 0) >= 1);
  });

  it('docs/alerts.yml passes promtool check rules and its unit tests', () => {
    const check = execFileSync('promtool', ['check', 'rules', 'alerts.yml'], { cwd: join(ROOT, 'docs'), encoding: 'utf8' });
    assert.match(check, /SUCCESS: \d+ rules found/);
    const unit = execFileSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: join(ROOT, 'docs'), encoding: 'utf8' });
    assert.match(unit, /SUCCESS/);
  });

  it('every alert names only metrics the gateway exports', async () => {
    const text0 = await (await fetch(gw.url + '/metrics')).text();
    const exported = new Set([...text0.matchAll(/^# HELP (\S+)/gm)].map((x) => x[1]!));
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(join(ROOT, 'docs', 'alerts.yml'), 'utf8');
    const used = new Set([...text.matchAll(/\b(wg_[a-z_]+)/g)].map((x) => x[1]!.replace(/_(bucket|sum|count)$/, '')));
    for (const name of used) assert.ok(exported.has(name), `${name} is used by an alert but not exported`);
  });
});
