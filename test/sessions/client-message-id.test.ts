// sendMessageToChannel with a clientMessageId: a repeat from the same session is the same message
// (stored once, forwarded to the platform once, answered with the same {id, seq}), whichever
// socket of the session sends it; bad ids get a clear error; clients without ids are unaffected.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseClientMessageId } from '../../src/sessions/client-message-id.js';
import { sleep, TokenJar, V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';
import { PlatformStandIn } from '../helpers/platform.js';

describe('parseClientMessageId', () => {
  it('accepts 1-64 characters of [A-Za-z0-9_.:-] and absence', () => {
    assert.equal(parseClientMessageId(undefined), undefined);
    for (const ok of ['a', 'c-1', '0f8fad5b-d9cb-469f-a165-70867728950e', 'tab.1:msg_2', 'x'.repeat(64)]) assert.equal(parseClientMessageId(ok), ok);
  });
  it('refuses anything else with WG_ERR_INVALID_CLIENT_MESSAGE_ID', () => {
    for (const bad of ['', 'x'.repeat(65), 'has space', 'é', 'a/b', '<b>', 42, null, {}, ['a']]) {
      assert.throws(() => parseClientMessageId(bad), { code: 'WG_ERR_INVALID_CLIENT_MESSAGE_ID' }, JSON.stringify(bad));
    }
  });
});

describe('sendMessageToChannel with a clientMessageId', () => {
  let gw: RunningGateway;
  let platform: PlatformStandIn;
  before(async () => {
    platform = await new PlatformStandIn().start();
    gw = await startGateway({ PLATFORM_URL: platform.url, WEBHOOK_TOKEN: TEST_TOKEN });
  });
  after(async () => {
    await gw.stop();
    await platform.stop();
  });

  it('a repeat is stored and forwarded once and answered with the same {id, seq}, also from another socket', async () => {
    const jar = new TokenJar();
    const w = new V9Widget(gw.port, { jar });
    const { urn } = await w.register();
    const first = await w.sendAck({ text: 'only once', userUrn: urn, clientMessageId: 'c-1' });
    assert.equal(first.err, null);
    const again = await w.sendAck({ text: 'only once', userUrn: urn, clientMessageId: 'c-1' });
    assert.deepEqual(again, first);
    // A second tab (same token) resends the same outbox entry.
    const tab = new V9Widget(gw.port, { jar });
    await waitFor(() => tab.state === 'open', 5_000, 'second socket open');
    const fromTab = await tab.sendAck({ text: 'only once', userUrn: urn, clientMessageId: 'c-1' });
    assert.deepEqual(fromTab.data, first.data);
    const next = await w.sendAck({ text: 'next', userUrn: urn, clientMessageId: 'c-2' });
    assert.equal(next.data.seq, first.data.seq + 1);

    await waitFor(() => platform.textsFrom(urn).length === 2, 5_000, 'two messages at the platform');
    await sleep(200); // room for a wrongly queued repeat to arrive
    assert.deepEqual(platform.textsFrom(urn), ['only once', 'next']);
    const stored = await gw.gateway.store.readMessages(urn, { limit: 10 });
    assert.deepEqual(
      stored.map((m) => [m.seq, m.text, m.payload]),
      [
        [1, 'only once', { clientMessageId: 'c-1' }],
        [2, 'next', { clientMessageId: 'c-2' }],
      ],
    );
    // History carries the client id, so a reloaded client matches its outbox to what is stored.
    const history = await w.emitAck('getHistory', {});
    assert.deepEqual(
      history.data.messages.map((m: any) => [m.seq, m.clientMessageId]),
      [
        [1, 'c-1'],
        [2, 'c-2'],
      ],
    );
    w.close();
    tab.close();
  });

  it('the same id in another session is another message; messages without ids are unaffected', async () => {
    const a = new V9Widget(gw.port);
    const b = new V9Widget(gw.port);
    const { urn: urnA } = await a.register();
    const { urn: urnB } = await b.register();
    const ra = await a.sendAck({ text: 'from a', userUrn: urnA, clientMessageId: 'same' });
    const rb = await b.sendAck({ text: 'from b', userUrn: urnB, clientMessageId: 'same' });
    assert.notEqual(ra.data.id, rb.data.id);
    const plain1 = await a.sendAck({ text: 'plain', userUrn: urnA });
    const plain2 = await a.sendAck({ text: 'plain', userUrn: urnA });
    assert.deepEqual([plain1.data.seq, plain2.data.seq], [2, 3], 'without an id, each send is a new message');
    await waitFor(() => platform.textsFrom(urnA).length === 3 && platform.textsFrom(urnB).length === 1, 5_000, 'all at the platform');
    assert.deepEqual(platform.textsFrom(urnA), ['from a', 'plain', 'plain']);
    assert.deepEqual(platform.textsFrom(urnB), ['from b']);
    a.close();
    b.close();
  });

  it('refuses a malformed id and a reused id with another text, storing nothing', async () => {
    const w = new V9Widget(gw.port);
    const { urn } = await w.register();
    for (const bad of ['', 'with space', 'x'.repeat(65), 7]) {
      const r = await w.sendAck({ text: 'bad id', userUrn: urn, clientMessageId: bad });
      assert.equal(r.err?.name, 'WG_ERR_INVALID_CLIENT_MESSAGE_ID', JSON.stringify(bad));
      assert.match(r.err.message, /1-64 characters/);
    }
    await w.sendAck({ text: 'original', userUrn: urn, clientMessageId: 'k' });
    const reused = await w.sendAck({ text: 'different', userUrn: urn, clientMessageId: 'k' });
    assert.equal(reused.err?.name, 'WG_ERR_CLIENT_MESSAGE_ID_REUSED');
    const stored = await gw.gateway.store.readMessages(urn, { limit: 10 });
    assert.deepEqual(
      stored.map((m) => m.text),
      ['original'],
    );
    w.close();
  });
});
