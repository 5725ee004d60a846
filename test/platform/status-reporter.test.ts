// The timing of delivery/failure reports, on node:test's mock clock (no sleeps): never earlier
// than STATUS_DELAY after the /send that carried the message was answered, one report per
// message, retried with backoff, given up after the last attempt or a refusal.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { ForwardResult } from '../../src/platform/connector.js';
import { StatusReporter, type StatusReport } from '../../src/platform/status-reporter.js';
import { createLogger } from '../../src/log/logger.js';

const T0 = 1_700_000_000_000;
const DELAY = 2_000;

/** Lets the reporter's awaited send() settle (setImmediate is not mocked). */
const settle = () => new Promise<void>((r) => setImmediate(r));

async function tick(ms: number): Promise<void> {
  mock.timers.tick(ms);
  await settle();
  await settle();
}

describe('status reports (StatusReporter)', () => {
  let sent: Array<StatusReport & { at: number }>;
  let answers: ForwardResult[];
  let reporter: StatusReporter;

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
    sent = [];
    answers = [];
    reporter = new StatusReporter({
      delay: DELAY,
      retryBase: 1_000,
      retryMax: 8_000,
      maxAttempts: 4,
      random: () => 1, // the top of the jitter range: 1 s, 2 s, 4 s, 8 s
      log: createLogger('silent'),
      send: async (r) => {
        sent.push({ ...r, at: Date.now() });
        return answers.shift() ?? { outcome: 'accepted' };
      },
    });
  });
  afterEach(() => {
    reporter.stop();
    mock.timers.reset();
  });

  it('sends nothing before STATUS_DELAY after the /send was answered, then sends once', async () => {
    reporter.noteAnswered('u1', '17', T0);
    // The widget proves receipt 30 ms later: far too early for courier.
    await tick(30);
    reporter.report('delivered', 'u1', '17', T0 - 5);
    await tick(DELAY - 31);
    assert.equal(sent.length, 0);
    await tick(1);
    assert.deepEqual(
      sent.map((s) => [s.kind, s.urn, s.id, s.at - T0]),
      [['delivered', 'u1', '17', DELAY]],
    );
    await tick(60_000);
    assert.equal(sent.length, 1);
    assert.deepEqual(reporter.stats(), { pending: 0, sent: 1, retried: 0, gaveUp: 0 });
  });

  it('waits from the stored time when this process did not answer the /send (another node, a restart)', async () => {
    reporter.report('delivered', 'u1', '18', T0 - 500);
    await tick(DELAY - 501);
    assert.equal(sent.length, 0);
    await tick(1);
    assert.equal(sent.length, 1);
    // Long after: at once.
    reporter.report('failed', 'u1', '19', T0 - 7 * 24 * 3600_000);
    await tick(0);
    assert.deepEqual(
      sent.map((s) => [s.kind, s.id]),
      [
        ['delivered', '18'],
        ['failed', '19'],
      ],
    );
  });

  it('a later part of the same message pushes the report back; parts and repeats fold into one report', async () => {
    reporter.noteAnswered('u1', '20', T0);
    reporter.report('delivered', 'u1', '20', T0);
    await tick(1_500);
    reporter.noteAnswered('u1', '20'); // part 2 answered at T0 + 1500
    reporter.report('delivered', 'u1', '20', T0 + 1_500);
    await tick(1_000); // T0 + 2500: the first part's time has passed, the second's has not
    assert.equal(sent.length, 0);
    await tick(1_000);
    assert.deepEqual(
      sent.map((s) => [s.id, s.at - T0]),
      [['20', 3_500]],
    );
    // Another session's message with the same platform id is its own report.
    reporter.report('delivered', 'u2', '20', T0);
    await tick(0);
    assert.deepEqual(
      sent.map((s) => [s.urn, s.id]),
      [
        ['u1', '20'],
        ['u2', '20'],
      ],
    );
  });

  it('retries a report that did not get through with growing backoff, and honours Retry-After', async () => {
    answers = [
      { outcome: 'retry', reason: 'network: ECONNREFUSED' },
      { outcome: 'retry', reason: 'HTTP 503' },
      { outcome: 'retry', reason: 'HTTP 429', retryAfterMs: 30_000 },
    ];
    reporter.report('delivered', 'u1', '30', T0 - DELAY);
    await tick(0);
    assert.equal(sent.length, 1);
    await tick(999);
    assert.equal(sent.length, 1);
    await tick(1); // 1 s after the first failure
    assert.equal(sent.length, 2);
    await tick(2_000); // 2 s after the second
    assert.equal(sent.length, 3);
    await tick(29_999); // Retry-After: 30 s beats the 4 s backoff
    assert.equal(sent.length, 3);
    await tick(1);
    assert.deepEqual(
      sent.map((s) => [s.attempts, s.at - T0]),
      [
        [1, 0],
        [2, 1_000],
        [3, 3_000],
        [4, 33_000],
      ],
    );
    assert.deepEqual(reporter.stats(), { pending: 0, sent: 1, retried: 3, gaveUp: 0 });
  });

  it('gives up after the last attempt, and at once when the platform refuses (4xx)', async () => {
    answers = Array.from({ length: 10 }, () => ({ outcome: 'retry' as const, reason: 'HTTP 500' }));
    reporter.report('delivered', 'u1', '40', T0 - DELAY);
    await tick(0);
    await tick(1_000);
    await tick(2_000);
    await tick(4_000);
    assert.equal(sent.length, 4);
    await tick(600_000);
    assert.equal(sent.length, 4);
    answers = [{ outcome: 'rejected', reason: 'HTTP 400' }];
    reporter.report('delivered', 'u1', '41', T0);
    await tick(DELAY);
    await tick(600_000);
    assert.equal(sent.filter((s) => s.id === '41').length, 1);
    assert.deepEqual(reporter.stats(), { pending: 0, sent: 0, retried: 3, gaveUp: 2 });
  });

  it('drained() resolves once the pending reports are sent, and at once when none is pending', async () => {
    await reporter.drained();
    reporter.report('delivered', 'u1', '60', T0);
    reporter.report('delivered', 'u1', '61', T0 + 500);
    let drained = false;
    void reporter.drained().then(() => (drained = true));
    await tick(DELAY);
    assert.deepEqual([sent.length, drained], [1, false]);
    await tick(500);
    assert.deepEqual([sent.length, drained], [2, true]);
  });

  it('a delivered that follows a pending failed replaces it; stop() drops what is pending', async () => {
    reporter.report('failed', 'u1', '50', T0);
    reporter.report('delivered', 'u1', '50', T0);
    reporter.report('delivered', 'u1', '51', T0);
    await tick(DELAY);
    assert.deepEqual(
      sent.map((s) => [s.kind, s.id]),
      [
        ['delivered', '50'],
        ['delivered', '51'],
      ],
    );
    reporter.report('delivered', 'u1', '52', T0 + DELAY);
    assert.equal(reporter.stop(), 1);
    await tick(60_000);
    assert.equal(sent.length, 2);
    reporter.report('delivered', 'u1', '53', T0);
    await tick(60_000);
    assert.equal(sent.length, 2, 'nothing is scheduled after stop()');
  });
});
