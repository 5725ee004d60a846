import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sleep, V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN } from '../helpers/gateway.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';

describe('delivery receipts (STATUS_CALLBACKS)', () => {
  it('reports /delivered with the id once a widget proved receipt, and not before', async () => {
    const platform = await new PlatformStandIn().start();
    const gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, STATUS_CALLBACKS: 'true' });
    try {
      const w = new V9Widget(gw.port);
      const { urn } = await w.register();
      // Nobody subscribed: stored, not delivered, so not reported.
      await postToGateway(gw.url, { id: '101', text: 'one', to: urn }, { token: TEST_TOKEN });
      await sleep(300);
      assert.equal(platform.statuses.length, 0);
      await w.subscribeAndWait(urn);
      await postToGateway(gw.url, { id: '102', text: 'two', to: urn }, { token: TEST_TOKEN });
      await waitFor(() => platform.statuses.length >= 2, 5000, 'two delivered reports');
      assert.deepEqual(platform.statuses.map((s) => [s.kind, s.id, s.channel]).sort(), [
        ['delivered', '101', TEST_CHANNEL],
        ['delivered', '102', TEST_CHANNEL],
      ]);
      w.close();
    } finally {
      await gw.stop();
      await platform.stop();
    }
  });

  it('reports no earlier than STATUS_DELAY after the /send was answered, and retries a report that failed', async () => {
    const platform = await new PlatformStandIn().start();
    let refused = 0;
    // The first delivery report meets a platform error: the gateway tries again.
    platform.responder = (req) => (req.url?.endsWith('/delivered') && refused++ === 0 ? { status: 503 } : undefined);
    const gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, STATUS_CALLBACKS: 'true', STATUS_DELAY: '1s' });
    try {
      const w = new V9Widget(gw.port);
      const { urn } = await w.register();
      await w.subscribeAndWait(urn);
      const reportedAt: number[] = [];
      const push = platform.statuses.push.bind(platform.statuses);
      platform.statuses.push = (...items) => {
        reportedAt.push(Date.now());
        return push(...items);
      };
      await postToGateway(gw.url, { id: '103', text: 'first part', to: urn }, { token: TEST_TOKEN });
      await postToGateway(gw.url, { id: '103', text: 'second part', to: urn }, { token: TEST_TOKEN });
      const answeredAt = Date.now();
      await waitFor(() => w.received.length === 2, 5000, 'both parts shown');
      await waitFor(() => platform.statuses.length >= 1, 8000, 'a delivered report');
      await sleep(300);
      // One report for the message (both parts), the platform's id, after the 503 and a retry.
      assert.deepEqual(
        platform.statuses.map((s) => [s.kind, s.id]),
        [['delivered', '103']],
      );
      assert.equal(refused, 2, 'one refused attempt, one accepted');
      assert.ok(reportedAt[0]! - answeredAt >= 1000, `reported ${reportedAt[0]! - answeredAt} ms after the last /send was answered`);
      w.close();
    } finally {
      await gw.stop();
      await platform.stop();
    }
  });

  it('reports /failed once for a message nobody received within DELIVERY_MAX_AGE', async () => {
    const platform = await new PlatformStandIn().start();
    const gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, STATUS_CALLBACKS: 'true', DELIVERY_MAX_AGE: '1s' });
    try {
      const w = new V9Widget(gw.port);
      const { urn } = await w.register();
      await postToGateway(gw.url, { id: '104', text: 'nobody listens', to: urn }, { token: TEST_TOKEN });
      // The gateway checks by itself (every DELIVERY_MAX_AGE here, as it is under a minute).
      await waitFor(() => platform.statuses.some((s) => s.kind === 'failed'), 5000, 'failed report');
      assert.deepEqual(
        platform.statuses.map((s) => [s.kind, s.id]),
        [['failed', '104']],
      );
      assert.equal(await gw.gateway.reportExpired(), 0, 'never reported twice');
      // It stays queued: the widget still gets it when it subscribes.
      await w.subscribeAndWait(urn);
      await waitFor(() => w.received.some((m) => m.id === '104'), 5000, 'late delivery');
      w.close();
    } finally {
      await gw.stop();
      await platform.stop();
    }
  });

  it('reports /failed for a message to a urn without a session (accepted and dropped), on the channel the body names', async () => {
    const platform = await new PlatformStandIn().start();
    const gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, STATUS_CALLBACKS: 'true' });
    try {
      const r = await postToGateway(
        gw.url,
        { id: '106', text: 'to nobody', to: 'ext:gone-session', channel: 'c0ffee00-0000-4000-8000-000000000001' },
        { token: TEST_TOKEN },
      );
      assert.deepEqual([r.status, r.body.dropped], [200, true]);
      await waitFor(() => platform.statuses.length >= 1, 5000, 'a failed report');
      assert.deepEqual(platform.statuses, [{ kind: 'failed', id: '106', channel: 'c0ffee00-0000-4000-8000-000000000001' }]);
    } finally {
      await gw.stop();
      await platform.stop();
    }
    // With several platforms allowed the sender is unknown: nothing is reported anywhere.
    const first = await new PlatformStandIn().start();
    const other = await new PlatformStandIn().start();
    const gw2 = await startGateway({ PLATFORM_URL: first.url, PLATFORM_HOSTS: other.url, WEBHOOK_TOKEN: TEST_TOKEN, STATUS_CALLBACKS: 'true' });
    try {
      assert.equal((await postToGateway(gw2.url, { id: '107', text: 'to nobody', to: 'gone-too' }, { token: TEST_TOKEN })).status, 200);
      await sleep(500);
      assert.deepEqual([first.statuses, other.statuses], [[], []]);
    } finally {
      await gw2.stop();
      await first.stop();
      await other.stop();
    }
  });

  it('sends the reports still waiting for STATUS_DELAY before a graceful stop ends', async () => {
    const platform = await new PlatformStandIn().start();
    const gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, STATUS_CALLBACKS: 'true', STATUS_DELAY: '1s' });
    let stopped = false;
    try {
      const w = new V9Widget(gw.port);
      const { urn } = await w.register();
      await w.subscribeAndWait(urn);
      await postToGateway(gw.url, { id: '108', text: 'just before the stop', to: urn }, { token: TEST_TOKEN });
      await waitFor(() => w.received.length === 1, 5000, 'shown');
      await sleep(100); // the receipt ping's pong proves it
      w.close();
      await gw.stop();
      stopped = true;
      assert.deepEqual(
        platform.statuses.map((s) => [s.kind, s.id]),
        [['delivered', '108']],
      );
    } finally {
      if (!stopped) await gw.stop();
      await platform.stop();
    }
  });

  it('sends no reports when STATUS_CALLBACKS is off (the default)', async () => {
    const platform = await new PlatformStandIn().start();
    const gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN });
    try {
      const w = new V9Widget(gw.port);
      const { urn } = await w.register();
      await w.subscribeAndWait(urn);
      await postToGateway(gw.url, { id: '105', text: 'one', to: urn }, { token: TEST_TOKEN });
      await waitFor(() => w.received.length === 1, 5000, 'received');
      await sleep(300);
      assert.equal(platform.statuses.length, 0);
      w.close();
    } finally {
      await gw.stop();
      await platform.stop();
    }
  });
});
