// The real courier (weni-ai/courier 1.64, RapidPro's message gateway with Weni's handlers) for
// integration tests: a PostgreSQL database of its own on the machine's server (127.0.0.1:5432,
// trust auth, user postgres), a redis-server of its own on a free port, and courier's own
// scripts from `<repo root>/../shared/courier` (override: WG_COURIER_DIR): setup_db.sh,
// run.sh, queue_send.sh. Nothing here is mocked: messages go through courier's handlers, its
// queue and its database, and the tests read its msgs_msg table.
//
// Missing pieces (no courier folder, no psql, PostgreSQL down) throw with what to install: the
// tests fail rather than skip. CI (.ci/run) installs postgresql-client when psql is missing.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from './redis-server.js';

const run = promisify(execFile);

/** setup_db.sh's channels. */
export const EX_CHANNEL = '8eb23e93-5ecb-45ba-b726-3b064e0c56ab';
export const WWC_CHANNEL = 'f1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b';

/** `<repo root>/../shared/courier`, from dist/test/helpers/ (or test/helpers/). */
export function courierDir(): string {
  if (process.env['WG_COURIER_DIR']) return process.env['WG_COURIER_DIR'];
  const here = fileURLToPath(new URL('.', import.meta.url));
  const root = here.includes('/dist/test/') ? here.slice(0, here.indexOf('/dist/test/')) : here.slice(0, here.indexOf('/test/'));
  return `${root}/../shared/courier`;
}

// queue_send.sh's SQL for a list of messages (psql variables: chan, urn, items = JSON [{text, qr, att}]).
const QUEUE_SQL_FILE = fileURLToPath(new URL('../../../test/helpers/courier-queue.sql', import.meta.url));

const PG_ENV = { PGHOST: process.env['PGHOST'] ?? '127.0.0.1', PGPORT: process.env['PGPORT'] ?? '5432', PGUSER: process.env['PGUSER'] ?? 'postgres' };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface MsgRow {
  id: number;
  direction: 'I' | 'O';
  status: string;
  text: string;
  /** msgs_msg.attachments: `<content type>:<url>` strings, or null. */
  attachments: string[] | null;
  urn: string;
  externalId: string | null;
  createdOn: string;
}

export interface CourierOptions {
  /** The gateway's base URL: courier's EX channel posts to `<gatewayUrl>/send`. */
  gatewayUrl: string;
  /** The gateway's WEBHOOK_TOKEN, sent as Authorization. */
  webhookToken: string;
  /** Courier's port; the gateway's PLATFORM_URL must be http://127.0.0.1:<port> (see reservePort). */
  port: number;
  /** The EX channel's max_length (courier's default is 160 when unset). */
  maxLength?: number;
  /** CPU list for `taskset -c` (pins courier, e.g. next to a busy loop). */
  cpus?: string;
  /** The WWC channel's base_url (courier posts `<base_url>/send`), e.g. `<gatewayUrl>/hooks/<WEBHOOK_TOKEN>`. */
  wwcBaseUrl?: string;
}

export class RealCourier {
  readonly url: string;
  private child: ChildProcess | undefined;
  private redis: RedisServer | undefined;
  private output = '';
  private exited: Promise<void> | undefined;
  /** Courier's run folder (COURIER_RUNDIR): it stores the files of incoming messages under `_storage/`. */
  readonly runDir = mkdtempSync(`${tmpdir()}/wg-courier-`);

  private constructor(
    readonly dir: string,
    readonly db: string,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get dbUrl(): string {
    return `postgres://${PG_ENV.PGUSER}@${PG_ENV.PGHOST}:${PG_ENV.PGPORT}/${this.db}?sslmode=disable`;
  }

  get redisUrl(): string {
    return `${this.redis!.url}/15`;
  }

  /** Creates the database, points the EX channel at the gateway, starts courier and waits until it answers. */
  static async start(o: CourierOptions): Promise<RealCourier> {
    const dir = courierDir();
    if (!existsSync(`${dir}/bin/courier`)) {
      throw new Error(`the real courier is not at ${dir} (set WG_COURIER_DIR, or put shared/courier beside the repository)`);
    }
    await run('psql', ['--version']).catch(() => {
      throw new Error('psql not found: the real-courier tests need postgresql-client (apt-get install -y postgresql-client)');
    });
    const db = `wg_courier_${process.pid}_${randomBytes(4).toString('hex')}`;
    const c = new RealCourier(dir, db, o.port);
    try {
      await run(`${dir}/setup_db.sh`, [db, o.gatewayUrl], { env: { ...process.env, ...PG_ENV } });
      // The channel config is set before courier starts: it caches channels for 5 minutes.
      const config: Record<string, unknown> = { send_url: `${o.gatewayUrl}/send`, send_authorization: o.webhookToken };
      if (o.maxLength !== undefined) config['max_length'] = o.maxLength;
      await c.sql(`UPDATE channels_channel SET config = (config::jsonb || '${JSON.stringify(config)}'::jsonb)::text WHERE uuid = '${EX_CHANNEL}'`);
      if (o.wwcBaseUrl !== undefined) {
        const wwc = JSON.stringify({ base_url: o.wwcBaseUrl });
        await c.sql(`UPDATE channels_channel SET config = (config::jsonb || '${wwc}'::jsonb)::text WHERE uuid = '${WWC_CHANNEL}'`);
      }
      c.redis = await startRedisServer();
      await c.launch(o.cpus);
      return c;
    } catch (err) {
      await c.stop();
      throw err;
    }
  }

  private async launch(cpus: string | undefined): Promise<void> {
    const script = `${this.dir}/run.sh`;
    const args = [String(this.port), this.dbUrl, this.redisUrl];
    const [cmd, argv] = cpus ? ['taskset', ['-c', cpus, script, ...args]] : [script, args];
    this.child = spawn(cmd, argv, {
      env: { ...process.env, COURIER_LOG_LEVEL: 'warn', COURIER_RUNDIR: this.runDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: stop() signals run.sh and courier together
    });
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-8000));
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => this.child!.once('exit', () => resolve()));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`courier exited at start:\n${this.output}`);
      try {
        const res = await fetch(this.url + '/', { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {}
      if (Date.now() > deadline) throw new Error(`courier did not answer in 20 s:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Runs SQL in courier's database; returns psql's unaligned rows. */
  async sql(query: string): Promise<string> {
    const { stdout } = await run('psql', ['-d', this.db, '-v', 'ON_ERROR_STOP=1', '-Atq', '-F', '\t', '-c', query], { env: { ...process.env, ...PG_ENV } });
    return stdout;
  }

  /** Queues a bot message exactly as mailroom does; returns courier's message id. */
  async queueSend(urn: string, text: string, quickReplies: string[] = [], tps = 10, channel = EX_CHANNEL): Promise<number> {
    return (await this.queueSends(urn, [{ text, quickReplies }], tps, channel))[0]!;
  }

  /**
   * Queues bot messages for one contact, in order, the way mailroom does and queue_send.sh does
   * (the same SQL and the same Redis commands, done here in one psql call and one Redis pipeline
   * because spawning the script per message costs seconds on a loaded machine): an outgoing
   * msgs_msg row each (status Q), then ZADD of its JSON to msgs:<channel>|<tps>/1 and
   * ZINCRBY msgs:active 0 msgs:<channel>|<tps>. `attachments` are in mailroom's form,
   * `<content type>:<url>` (e.g. `image/png:https://…`), in the row and in the queued JSON.
   * Returns the message ids.
   */
  async queueSends(
    urn: string,
    items: Array<{ text: string; quickReplies?: string[]; attachments?: string[] }>,
    tps = 10,
    channel = EX_CHANNEL,
  ): Promise<number[]> {
    const payload = JSON.stringify(items.map((i) => ({ text: i.text, qr: i.quickReplies ?? [], att: i.attachments ?? [] })));
    const queue = () =>
      run(
        'psql',
        ['-d', this.db, '-v', 'ON_ERROR_STOP=1', '-Atq', '-v', `chan=${channel}`, '-v', `urn=ext:${urn}`, '-v', `items=${payload}`, '-f', QUEUE_SQL_FILE],
        { env: { ...process.env, ...PG_ENV } },
      );
    // The SQL creates the contact when its URN is new. When courier creates it at the same moment
    // (a visitor's first message arriving), the insert hits the URN's unique key and the whole
    // statement rolls back; run once more, and the SQL then finds the contact courier made.
    const { stdout } = await queue().catch((err: Error & { stderr?: string }) => {
      if (!String(err.stderr).includes('contacts_contacturn_org_id_identity_key')) throw err;
      return queue();
    });
    const msgs = stdout.split('\n').filter(Boolean);
    if (msgs.length !== items.length) throw new Error(`queued ${msgs.length} of ${items.length}: ${stdout}`);
    const redis = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    try {
      await redis.connect();
      const queue = `msgs:${channel}|${tps}`;
      const pipe = redis.pipeline();
      const base = Date.now() / 1000;
      msgs.forEach((m, i) => pipe.zadd(`${queue}/1`, (base + i / 1e6).toFixed(6), m));
      pipe.zincrby('msgs:active', 0, queue);
      await pipe.exec();
    } finally {
      redis.disconnect();
    }
    return msgs.map((m) => (JSON.parse(m) as Array<{ id: number }>)[0]!.id);
  }

  /** Courier's messages (msgs_msg) of a contact `ext:<urn>`, oldest first. */
  async messages(urn?: string): Promise<MsgRow[]> {
    const where = urn === undefined ? '' : `WHERE u.identity = 'ext:${urn.replace(/'/g, "''")}'`;
    const out = await this.sql(
      `SELECT json_build_object('id', m.id, 'direction', m.direction, 'status', m.status, 'text', m.text, 'attachments', m.attachments, 'urn', u.identity, 'externalId', m.external_id, 'createdOn', m.created_on)
         FROM msgs_msg m JOIN contacts_contacturn u ON u.id = m.contact_urn_id ${where} ORDER BY m.id`,
    );
    return out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as MsgRow);
  }

  /**
   * The tasks courier queued for mailroom about a contact `ext:<urn>` (Redis list c:<org>:<contact>,
   * oldest first): each incoming message's msg_event, with its new_contact_fields.
   */
  async mailroomTasks(urn: string): Promise<Array<{ type: string; task: Record<string, unknown> }>> {
    const row = await this.sql(`SELECT org_id || ':' || contact_id FROM contacts_contacturn WHERE identity = 'ext:${urn.replace(/'/g, "''")}'`);
    if (row.trim() === '') return [];
    const redis = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    try {
      await redis.connect();
      const items = await redis.lrange(`c:${row.trim()}`, 0, -1);
      return items.map((i) => JSON.parse(i) as { type: string; task: Record<string, unknown> });
    } finally {
      redis.disconnect();
    }
  }

  /** Statuses of the given message ids. */
  async statuses(ids: number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const out = await this.sql(`SELECT id, status FROM msgs_msg WHERE id IN (${ids.map(Number).join(',')})`);
    return new Map(
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [id, status] = l.split('\t');
          return [Number(id), status!];
        }),
    );
  }

  /** The HTTP exchanges courier logged (channels_channellog), newest last: read when a test fails. */
  async channelLog(limit = 20): Promise<string> {
    return this.sql(
      `SELECT description || ' ' || COALESCE(url, '') || ' ' || COALESCE(response_status::text, '') FROM channels_channellog ORDER BY id DESC LIMIT ${limit}`,
    ).catch((e: Error) => e.message);
  }

  logTail(): string {
    return this.output;
  }

  /** Stops courier (SIGTERM: 2-3 s), its Redis, and drops its database. */
  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.pid) {
      try {
        process.kill(-this.child.pid, 'SIGTERM');
      } catch {}
      const killer = setTimeout(() => {
        try {
          process.kill(-this.child!.pid!, 'SIGKILL');
        } catch {}
      }, 8000);
      await this.exited;
      clearTimeout(killer);
    }
    await this.redis?.stop().catch(() => {});
    await run('dropdb', ['--if-exists', '--force', this.db], { env: { ...process.env, ...PG_ENV } }).catch(() => {});
    rmSync(this.runDir, { recursive: true, force: true });
  }
}

/** Polls an async read (courier's tables) until `ok` holds; the timeout error says what was last read. */
export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: (v: T) => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
