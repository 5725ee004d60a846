// What operators read: ISO times, level names, pid and hostname on every line; platform retries
// at warn with session, attempt and next delay; a message given up at error; no message text,
// token or secret at info; LOG_FORMAT=pretty lines.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { prettyLine } from '../../src/log/pretty.js';
import { V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { PlatformStandIn, postToGateway } from '../helpers/platform.js';

describe('logs', () => {
  let platform: PlatformStandIn;
  let gw: RunningGateway;
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  let mode: 'down' | 'refuse' | 'ok' = 'ok';

  before(async () => {
    platform = await new PlatformStandIn().start();
    platform.responder = () => (mode === 'down' ? { status: 503, body: 'down' } : mode === 'refuse' ? { status: 422, body: 'no' } : undefined);
    gw = await startGateway(
      { PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN, ADMIN_TOKEN: 'admin-token-not-logged', LOG_LEVEL: 'info' },
      { logTo: { write: (l: string) => (raw.push(l), lines.push(JSON.parse(l))) } },
    );
  });
  after(async () => {
    await gw.stop();
    await platform.stop();
  });

  it('every line has an ISO-8601 time, a level name, pid and hostname', () => {
    assert.ok(lines.length > 0);
    for (const l of lines) {
      assert.match(String(l['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(['info', 'warn', 'error'].includes(String(l['level'])), String(l['level']));
      assert.equal(l['pid'], process.pid);
      assert.equal(l['hostname'], hostname());
    }
  });

  it('logs platform retries at warn with session, attempt and next delay, and a give-up at error, never the text', async () => {
    const w = new V9Widget(gw.port);
    try {
      const { urn } = await w.register();
      await w.subscribeAndWait(urn);
      mode = 'down';
      w.send('secret words of a visitor');
      await waitFor(() => lines.filter((l) => l['msg'] === 'platform call failed; will retry' && l['urn'] === urn).length >= 2, 10_000, 'two retries logged');
      const retries = lines.filter((l) => l['msg'] === 'platform call failed; will retry' && l['urn'] === urn);
      assert.deepEqual(
        retries.map((l) => l['level']),
        retries.map(() => 'warn'),
      );
      assert.deepEqual(
        retries.slice(0, 2).map((l) => l['attempt']),
        [1, 2],
      );
      assert.ok(retries.every((l) => typeof l['nextDelayMs'] === 'number' && l['nextDelayMs'] > 0));
      mode = 'refuse';
      await waitFor(() => lines.some((l) => String(l['msg']).startsWith('user message given up') && l['urn'] === urn), 10_000, 'give-up logged');
      const gaveUp = lines.find((l) => String(l['msg']).startsWith('user message given up') && l['urn'] === urn)!;
      assert.equal(gaveUp['level'], 'error');
      assert.equal(gaveUp['reason'], 'HTTP 422');
      await postToGateway(gw.url, { text: 'platform words for the visitor', to: urn }, { token: TEST_TOKEN });
      await waitFor(() => w.received.length === 1, 10_000);
      const all = raw.join('');
      for (const secret of ['secret words of a visitor', 'platform words for the visitor', TEST_TOKEN, 'admin-token-not-logged']) {
        assert.ok(!all.includes(secret), `${secret} must not be logged at info`);
      }
    } finally {
      mode = 'ok';
      w.close();
    }
  });

  it("LOG_FORMAT=pretty turns a JSON line into one readable line, an error's stack below it", () => {
    const line = prettyLine(
      JSON.stringify({
        level: 'warn',
        time: '2026-01-02T03:04:05.678Z',
        pid: 1,
        hostname: 'h',
        service: 'webchat-gateway',
        msg: 'platform call failed; will retry',
        urn: 'abc',
        attempt: 2,
        reason: 'HTTP 503',
      }),
    );
    assert.equal(line, '2026-01-02T03:04:05.678Z WARN  platform call failed; will retry  urn=abc attempt=2 reason="HTTP 503"\n');
    const withErr = prettyLine(
      JSON.stringify({ level: 'error', time: 't', msg: 'boom', err: { type: 'Error', message: 'x', stack: 'Error: x\n    at f (a.js:1:1)' } }),
    );
    assert.equal(withErr, 't ERROR boom\n    Error: x\n        at f (a.js:1:1)\n');
    assert.equal(prettyLine('not json'), 'not json\n');
  });
});
