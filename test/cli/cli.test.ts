// The real binary (dist/src/cli/main.js, what `npx webchat-gateway` runs): --version, --help,
// serve --help, the one human start line, and each start-up failure as one line with exit code 2.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { OPTION_GROUPS, OPTIONS } from '../../src/config/options.js';
import { tempDir } from '../helpers/gateway.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
/** As root, failures of permission can only be seen as another user. */
const AS_NOBODY = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

/**
 * As root the permission cases run the CLI as nobody, which needs a checkout nobody can read; a
 * clone under a private folder (mktemp -d is 0700) cannot be, and then those two cases skip.
 */
const NOBODY_SKIP: string | false =
  process.getuid?.() === 0 &&
  spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(CLI)}, require('fs').constants.R_OK)`], { ...AS_NOBODY, cwd: '/' }).status !== 0
    ? 'the checkout is not readable by the unprivileged user these cases run as'
    : false;

/** A working directory any user may enter (the CLI may run as nobody). */
function openDir(): string {
  const d = tempDir('wg-cli-cwd-');
  chmodSync(d, 0o777);
  return d;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end (start-up failures exit by themselves). */
function run(args: string[], env: Record<string, string> = {}, asNobody = false): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: '0', STORE_URL: 'memory:', ...env },
    encoding: 'utf8',
    timeout: 20_000,
    cwd: openDir(),
    ...(asNobody ? AS_NOBODY : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A start-up failure: exit 2, one line on stderr naming the option, nothing on stdout, no stack. */
function assertOneLineFailure(r: Run, option: string, cause: RegExp): void {
  assert.equal(r.code, 2, `exit code\n${r.stderr}\n${r.stdout}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line:\n${r.stderr}`);
  assert.match(lines[0]!, new RegExp(`^webchat-gateway: .*\\b${option}\\b`));
  assert.match(lines[0]!, cause);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stdout, '');
}

describe('webchat-gateway CLI', () => {
  it('--version prints the package version', () => {
    for (const flag of ['--version', '-v']) {
      const r = run([flag]);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `${VERSION}\n`);
    }
  });

  it('--help shows the commands, the four options most people need, and examples', () => {
    const r = run(['--help']);
    assert.equal(r.code, 0);
    for (const text of ['Commands:', 'serve', '--version', '--port', '--store-url', '--platform-url', '--webhook-token', 'Examples:', 'npx webchat-gateway']) {
      assert.ok(r.stdout.includes(text), `--help mentions ${text}`);
    }
    assert.ok(!r.stdout.includes('--max-payload'), 'the full list is serve --help');
  });

  it('serve --help lists every option under its group, groups in order', () => {
    const r = run(['serve', '--help']);
    assert.equal(r.code, 0);
    const titles = OPTION_GROUPS.map((g) => r.stdout.indexOf(`\n${g[0]!.toUpperCase()}${g.slice(1)}:\n`));
    assert.ok(
      titles.every((i) => i > 0),
      r.stdout,
    );
    assert.deepEqual(
      titles,
      [...titles].sort((a, b) => a - b),
    );
    for (const o of OPTIONS) {
      const at = r.stdout.indexOf(`  ${o.flag} <value>   (${o.env},`);
      assert.ok(at > 0, `${o.flag} listed`);
      const group = OPTION_GROUPS.indexOf(o.group);
      assert.ok(at > titles[group]! && (group === titles.length - 1 || at < titles[group + 1]!), `${o.flag} under ${o.group}`);
    }
  });

  it('an unknown command or option is one line and exit 2', () => {
    assertOneLineFailure(run(['frobnicate']), 'serve', /unknown command frobnicate/);
    assertOneLineFailure(run(['serve', '--no-such-thing']), 'help', /Unknown option --no-such-thing/);
    assertOneLineFailure(run(['serve'], { PORT: 'eighty' }), 'PORT', /whole number/);
  });

  describe('start', () => {
    let child: ReturnType<typeof spawn> | undefined;
    after(() => child?.kill('SIGTERM'));

    async function startLine(env: Record<string, string>): Promise<string> {
      child = spawn(process.execPath, [CLI, 'serve'], {
        env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: '0', STORE_URL: 'memory:', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      const line = await new Promise<string>((resolve, reject) => {
        child!.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const l = out.split('\n').find((x) => x.includes('listening on'));
          if (l) resolve(l);
        });
        child!.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      child = undefined;
      return line;
    }

    it('says in one line where to point a browser, the version, store, platform and channel type', async () => {
      const line = await startLine({});
      const entry = JSON.parse(line) as Record<string, unknown>;
      assert.match(
        String(entry['msg']),
        new RegExp(
          `^webchat-gateway listening on http://127\\.0\\.0\\.1:\\d+/: version ${VERSION.replace(/\./g, '\\.')}, store memory:, platform demo bot, channel type EX$`,
        ),
      );
      assert.equal(entry['level'], 'info');
      assert.match(String(entry['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(typeof entry['pid'], 'number');
      assert.equal(typeof entry['hostname'], 'string');
    });

    it('hides the Redis password and prints a readable line with LOG_FORMAT=pretty', async () => {
      const line = await startLine({ LOG_FORMAT: 'pretty' });
      assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO {2}webchat-gateway listening on http:\/\/127\.0\.0\.1:\d+\/: version /);
      assert.doesNotMatch(line, /^\{/);
    });
  });

  describe('start-up failures: one line naming the option, exit 2, no stack', () => {
    let dir: string;
    let busy: Server;
    let busyPort: number;

    before(async () => {
      dir = tempDir('wg-cli-fail-');
      chmodSync(dir, 0o777);
      busy = createServer();
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
      busyPort = (busy.address() as { port: number }).port;
    });
    after(() => new Promise<void>((r) => busy.close(() => r())));

    it('an unwritable SQLite directory', { skip: NOBODY_SKIP }, () => {
      const locked = join(dir, 'locked');
      mkdirSync(locked, { mode: 0o555 });
      chmodSync(locked, 0o555);
      const r = run(['serve'], { STORE_URL: `sqlite:${locked}/sub/g.db` }, true);
      assertOneLineFailure(r, 'STORE_URL', new RegExp(`cannot create ${locked}/sub \\(permission denied\\)`));
    });

    it('a SQLite path whose directory cannot exist (a file is in the way)', () => {
      const file = join(dir, 'plain-file');
      writeFileSync(file, 'x');
      const r = run(['serve'], { STORE_URL: `sqlite:${file}/g.db` });
      assertOneLineFailure(r, 'STORE_URL', /cannot create .*plain-file \(a file is in the way/);
    });

    it('a read-only database file', { skip: NOBODY_SKIP }, () => {
      const path = join(dir, 'readonly.db');
      const db = new Database(path);
      db.exec('CREATE TABLE t (x)');
      db.close();
      chmodSync(path, 0o444);
      const r = run(['serve'], { STORE_URL: `sqlite:${path}` }, true);
      assertOneLineFailure(r, 'STORE_URL', /is read-only/);
    });

    it('an unreachable Redis, named by its URL without the password', () => {
      // Port 1: nothing listens there on loopback.
      const r = run(['serve'], { STORE_URL: 'redis://:hunter2@127.0.0.1:1/0' });
      assertOneLineFailure(r, 'STORE_URL', /STORE_URL redis:\/\/127\.0\.0\.1:1\/0: Redis is unreachable: connection refused/);
      assert.doesNotMatch(r.stderr, /hunter2/);
    });

    it('a port in use, public or internal', () => {
      assertOneLineFailure(run(['serve'], { PORT: String(busyPort) }), 'PORT', new RegExp(`127\\.0\\.0\\.1:${busyPort} is already in use`));
      assertOneLineFailure(run(['serve'], { INTERNAL_PORT: String(busyPort) }), 'INTERNAL_PORT', /is already in use/);
    });

    it('shows the stack as well with LOG_LEVEL=debug', () => {
      const r = run(['serve'], { PORT: String(busyPort), LOG_LEVEL: 'debug' });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^webchat-gateway: cannot start: PORT /);
      assert.match(r.stderr, /EADDRINUSE[\s\S]*\n\s+at /);
    });
  });
});
