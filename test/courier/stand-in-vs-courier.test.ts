// The courier stand-in (test/helpers/platform.ts) is kept for faults the real courier cannot be
// made to produce (outages, 429, slow or hanging answers). Where both can run, it must answer as
// courier does: the same requests get the same status and the same "message" from both. And the
// gateway, pointed at either, makes the same requests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { V9Widget, waitFor } from '../helpers/clients.js';
import { EX_CHANNEL, freePort, RealCourier } from '../helpers/courier.js';
import { startGateway, TEST_TOKEN } from '../helpers/gateway.js';
import { PlatformStandIn } from '../helpers/platform.js';

interface Answer {
  status: number;
  message: unknown;
}

async function ask(base: string, path: string, form: Record<string, string>): Promise<Answer> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  let message: unknown;
  try {
    message = (JSON.parse(text) as { message?: unknown }).message;
  } catch {
    message = `not JSON: ${text.slice(0, 80)}`;
  }
  return { status: res.status, message };
}

describe('the courier stand-in answers as the real courier does', () => {
  let courier: RealCourier;
  let standIn: PlatformStandIn;
  let msgId = 0;

  before(async () => {
    courier = await RealCourier.start({ gatewayUrl: 'http://127.0.0.1:9', webhookToken: TEST_TOKEN, port: await freePort() });
    standIn = await new PlatformStandIn().start();
    standIn.channels = [EX_CHANNEL];
    msgId = await courier.queueSend('probe', 'a message to report on');
  });
  after(async () => {
    await standIn?.stop();
    await courier?.stop();
  });

  it('same requests, same status and message', async () => {
    const ex = `/c/ex/${EX_CHANNEL}`;
    const now = new Date().toISOString();
    const cases: Array<[string, Record<string, string>]> = [
      [`${ex}/receive`, { from: 'cmp-a', text: 'hello', date: now }],
      [`${ex}/receive`, { from: 'cmp-b', text: 'no date' }],
      [`${ex}/receive`, { sender: 'cmp-c', text: 'sender instead of from' }],
      [`${ex}/receive`, { from: 'cmp-d' }],
      [`${ex}/receive`, { text: 'no from' }],
      [`${ex}/receive`, { from: 'cmp-e', text: 'bad date', date: 'yesterday' }],
      [`${ex}/delivered`, { id: String(msgId) }],
      [`${ex}/failed`, { id: String(msgId) }],
      [`${ex}/sent`, { id: String(msgId) }],
      [`${ex}/delivered`, {}],
      [`${ex}/delivered`, { id: 'not-a-number' }],
      [`${ex}/stopped`, { from: 'cmp-f' }],
      [`${ex}/nonsense`, { id: '1' }],
      ['/c/ex/00000000-0000-4000-8000-000000000000/receive', { from: 'cmp-g', text: 'unknown channel' }],
    ];
    const differences: string[] = [];
    for (const [path, form] of cases) {
      const [real, stand] = [await ask(courier.url, path, form), await ask(standIn.url, path, form)];
      if (real.status !== stand.status || real.message !== stand.message) {
        differences.push(`${path} ${JSON.stringify(form)}: courier ${real.status} ${String(real.message)}, stand-in ${stand.status} ${String(stand.message)}`);
      }
    }
    assert.deepEqual(differences, []);
  });

  it('the gateway makes the same requests of both, and both record the same message', async () => {
    // The same widget message through a gateway pointed at each of them.
    const seen: Array<{ from: string; text: string }> = [];
    for (const target of ['courier', 'stand-in'] as const) {
      const platformUrl = target === 'courier' ? courier.url : standIn.url;
      const gw = await startGateway({ PLATFORM_URL: platformUrl, CHANNEL_UUID: EX_CHANNEL, WEBHOOK_TOKEN: TEST_TOKEN });
      const w = new V9Widget(gw.port);
      try {
        const { urn } = await w.register();
        const text = `same "request" ✓ ${target === 'courier' ? 1 : 2}`;
        assert.equal((await w.sendAck({ text, userUrn: urn })).err, null);
        if (target === 'courier') {
          let rows: Awaited<ReturnType<RealCourier['messages']>> = [];
          for (let i = 0; i < 50 && rows.length === 0; i++) {
            rows = await courier.messages(urn);
            if (rows.length === 0) await new Promise((r) => setTimeout(r, 100));
          }
          assert.equal(rows.length, 1);
          seen.push({ from: rows[0]!.urn, text: rows[0]!.text.slice(0, -1) });
        } else {
          const mine = () => standIn.received.filter((m) => m.from === urn);
          await waitFor(() => mine().length === 1, 5000, 'stand-in received');
          seen.push({ from: `ext:${mine()[0]!.from}`, text: mine()[0]!.text.slice(0, -1) });
          assert.equal(mine()[0]!.contentType, 'application/x-www-form-urlencoded');
        }
        assert.equal(seen.at(-1)!.from, `ext:${urn}`);
      } finally {
        w.close();
        await gw.stop();
      }
    }
    assert.equal(seen[0]!.text, seen[1]!.text);
  });
});
