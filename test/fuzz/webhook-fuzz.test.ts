// Property-based fuzzing of POST /send: random bodies, content types and Authorization headers.
// Every answer is JSON; 200 only for an authorized, valid message (to an existing session, and
// then always 200; to a urn without one, 200 with `dropped`); everything else a 4xx with an `error` code; never a 5xx; the server stays up.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { V9Widget, waitFor } from '../helpers/clients.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway.js';

const NUM_RUNS = Number(process.env['FUZZ_WEBHOOK_RUNS'] ?? 600);
const MAX_BODY = 64 * 1024;

function post(port: number, path: string, headers: Record<string, string>, body: string | Buffer): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

type Auth = { kind: 'none' } | { kind: 'good'; header: string } | { kind: 'bad'; header: string };
type Body = { valid: boolean; json: boolean; text: string | Buffer };

describe('webhook fuzz: /send answers every request with JSON and the right class of status', () => {
  let gw: RunningGateway;
  let widget: V9Widget;
  let urn: string;
  const accepted = new Set<string>();
  const stats = { requests: 0, ok: 0, client4xx: 0, violations: [] as string[] };

  before(async () => {
    gw = await startGateway({ PLATFORM_URL: 'http://127.0.0.1:9', WEBHOOK_TOKEN: TEST_TOKEN, MAX_WEBHOOK_BODY: '64KiB' });
    widget = new V9Widget(gw.port);
    urn = (await widget.register()).urn;
    await widget.subscribeAndWait(urn);
  });
  after(async () => {
    widget.close();
    await gw?.stop();
  });

  it('never answers 5xx or non-JSON, and 200 exactly for valid authorized messages', { timeout: 120_000 }, async () => {
    const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 60 });
    const auth: fc.Arbitrary<Auth> = fc.oneof(
      { weight: 1, arbitrary: fc.constant<Auth>({ kind: 'none' }) },
      {
        weight: 4,
        arbitrary: fc
          .constantFrom(TEST_TOKEN, `Bearer ${TEST_TOKEN}`, `bearer   ${TEST_TOKEN}`, `Token ${TEST_TOKEN}`, ` ${TEST_TOKEN} `)
          .map((header): Auth => ({ kind: 'good', header })),
      },
      fc
        .oneof(
          printable,
          printable.map((s) => `Bearer ${s}`),
          fc.constantFrom(`${TEST_TOKEN}x`, `Bearer ${TEST_TOKEN.slice(1)}`, 'Bearer', `Basic ${TEST_TOKEN}`, TEST_TOKEN.toUpperCase()),
        )
        .filter((h) => {
          const t = h.trim();
          const m = /^(Bearer|Token)\s+(.+)$/i.exec(t);
          return t !== TEST_TOKEN && !(m && m[2] === TEST_TOKEN);
        })
        .map((header): Auth => ({ kind: 'bad', header })),
    );
    const contentType = fc.oneof(
      fc.constantFrom<string | undefined>('application/json', 'application/x-www-form-urlencoded'),
      fc.constantFrom<string | undefined>(
        undefined,
        'application/json',
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
        'application/vnd.courier+json',
        'application/x-www-form-urlencoded',
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/xml',
        '',
      ),
      printable,
    );
    const validMsg = fc.record(
      {
        to: fc.constantFrom('URN', 'ext:URN'),
        text: fc.string({ maxLength: 200 }),
        id: fc.oneof(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 }), fc.integer({ min: 0 })),
        from: fc.string({ maxLength: 20 }),
        quick_replies: fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }),
      },
      { requiredKeys: ['to', 'text'] },
    );
    const body = (ct: string | undefined): fc.Arbitrary<Body> => {
      const type = (ct ?? '').split(';')[0]!.trim().toLowerCase();
      const isJson = type === 'application/json' || type.endsWith('+json');
      const isForm = type === 'application/x-www-form-urlencoded';
      const sniff = type === '' || type === 'text/plain';
      return fc.oneof(
        {
          weight: 6,
          arbitrary: validMsg.map((m): Body => {
            const msg = { ...m, to: m.to.replace('URN', urn) };
            // Encoded as the content type says (a sniffed type gets JSON, which starts with "{").
            if (isForm) {
              const f = new URLSearchParams();
              for (const [k, v] of Object.entries(msg)) {
                if (k === 'quick_replies') for (const q of v as string[]) f.append('quick_reply', q);
                else f.append(k, String(v));
              }
              return { valid: true, json: false, text: f.toString() };
            }
            return { valid: isJson || sniff, json: true, text: JSON.stringify(msg) };
          }),
        },
        fc.jsonValue({ maxDepth: 3 }).map((v): Body => ({ valid: false, json: true, text: JSON.stringify(v) ?? 'null' })),
        fc
          .record({ to: fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue()), text: fc.jsonValue() })
          .map((v): Body => ({ valid: false, json: true, text: JSON.stringify(v) })),
        fc.string({ maxLength: 300 }).map((s): Body => ({ valid: false, json: false, text: s })),
        fc.uint8Array({ maxLength: 300 }).map((b): Body => ({ valid: false, json: false, text: Buffer.from(b) })),
        fc
          .constantFrom('{', '{"to":', '[]', 'to=&text=', `to=${urn}`, 'text=hi', '{"to":"x","text":"y","quick_replies":"not json"}')
          .map((s): Body => ({ valid: false, json: false, text: s })),
        fc
          .integer({ min: MAX_BODY - 10, max: MAX_BODY + 4096 })
          .map((n): Body => ({ valid: false, json: true, text: JSON.stringify({ to: urn, text: 'x'.repeat(n) }) })),
      );
    };
    const req = contentType.chain((ct) => fc.record({ ct: fc.constant(ct), auth, body: body(ct), path: fc.constantFrom('/send', '/send', '/send?x=1', '/') }));

    await fc.assert(
      fc.asyncProperty(req, async ({ ct, auth: a, body: b, path }) => {
        stats.requests++;
        const headers: Record<string, string> = {};
        if (ct !== undefined) headers['content-type'] = ct;
        if (a.kind !== 'none') headers['authorization'] = a.header;
        let r: { status: number; type: string; text: string };
        try {
          r = await post(gw.port, path, headers, b.text);
        } catch (err) {
          // A refused oversized body may be cut off while we still write it (413 + close).
          if (Buffer.byteLength(b.text) > MAX_BODY) return true;
          stats.violations.push(`request failed: ${(err as Error).message}`);
          return false;
        }
        const fail = (why: string): void => {
          stats.violations.push(`${why}: ${r.status} ${r.text.slice(0, 200)} for ${JSON.stringify({ ct, a, path, body: String(b.text).slice(0, 200) })}`);
        };
        let parsed: any;
        try {
          parsed = JSON.parse(r.text);
        } catch {
          fail('answer is not JSON');
          return false;
        }
        if (!/^application\/json/.test(r.type)) fail('content-type is not JSON');
        if (r.status >= 500) fail('5xx');
        const shouldAccept = a.kind === 'good' && b.valid && Buffer.byteLength(b.text) <= MAX_BODY;
        // A well-formed authorized message to a urn without a session is accepted and dropped.
        const dropped = r.status === 200 && parsed?.dropped === true;
        if (dropped) {
          stats.ok++;
          if (a.kind !== 'good' || parsed.reason !== 'WG_ERR_UNKNOWN_SESSION') fail('dropped without a good token or reason');
          if (b.valid) fail('a message to the live session was dropped');
        } else if (r.status === 200) {
          stats.ok++;
          if (!shouldAccept) fail('200 for a request that is not a valid authorized message');
          if (parsed?.status !== 'success' || typeof parsed.id !== 'string') fail('200 without status/id');
          else accepted.add(parsed.id);
        } else {
          if (r.status >= 400 && r.status < 500) stats.client4xx++;
          if (shouldAccept) fail('valid authorized message refused');
          if (!(r.status >= 400 && r.status < 500)) fail('not a 4xx');
          if (typeof parsed?.error !== 'string') fail('error answer without `error`');
          if (a.kind !== 'good' && r.status !== 401) fail('unauthorized request not answered 401');
        }
        return stats.violations.length === 0;
      }),
      { numRuns: NUM_RUNS, interruptAfterTimeLimit: 45_000, endOnFailure: true },
    );

    // The server is up and the widget got every accepted message.
    assert.equal((await fetch(gw.url + '/healthz')).status, 200);
    await waitFor(
      () => accepted.size === 0 || [...accepted].every((id) => widget.received.some((m) => m.id === id)),
      10_000,
      'the widget receives every accepted message',
    ).catch(() => {
      stats.violations.push(`widget received ${widget.received.length} messages, ${accepted.size} distinct ids accepted`);
    });
    for (const m of widget.received) if (m.to !== urn) stats.violations.push(`widget got a message for ${m.to}`);
    console.log(
      `webhook fuzz: requests=${stats.requests} ok=${stats.ok} 4xx=${stats.client4xx} acceptedIds=${accepted.size} received=${widget.received.length} violations=${stats.violations.length}`,
    );
    assert.deepEqual(stats.violations, []);
  });
});
