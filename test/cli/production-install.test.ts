// A production install: the built dist/ with the package files, `npm ci --omit=dev` (no
// TypeScript, no test clients, no sc-v9), then the real binary starts on its embedded defaults and
// serves the sample page with the widget bundle built into dist/.
//
// npm runs with --ignore-scripts so the suite does not compile better-sqlite3 a second time (a
// minute of CPU); its compiled addon is copied from this checkout's node_modules (same version,
// pinned by the lock). The package's own `prepare` is then run as npm would, and must not need
// TypeScript.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/gateway.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('production install (npm ci --omit=dev on a built tree)', () => {
  let dir: string;

  before(() => {
    dir = tempDir('wg-prod-');
    cpSync(join(ROOT, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
    cpSync(join(ROOT, 'dist', 'widget'), join(dir, 'dist', 'widget'), { recursive: true });
    for (const f of ['package.json', 'package-lock.json']) cpSync(join(ROOT, f), join(dir, f));
    const r = spawnSync(NPM, ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 240_000,
    });
    assert.equal(r.status, 0, `npm ci --omit=dev failed:\n${r.stdout}\n${r.stderr}`);
    cpSync(join(ROOT, 'node_modules', 'better-sqlite3', 'build'), join(dir, 'node_modules', 'better-sqlite3', 'build'), { recursive: true });
  });

  it('installs no dev dependency, and its prepare step passes without TypeScript', () => {
    for (const dev of ['typescript', 'sc-v9', 'sc-current', 'playwright-core', 'fast-check']) {
      assert.equal(existsSync(join(dir, 'node_modules', dev)), false, `${dev} is not installed`);
    }
    const r = spawnSync(NPM, ['run', 'prepare'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /running the built dist\//);
  });

  describe('the binary', () => {
    let child: ReturnType<typeof spawn>;
    let base: string;

    before(async () => {
      // Embedded defaults (SQLite in ./data, demo bot) apart from the port.
      child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', '--port', '0', '--host', '127.0.0.1'], {
        cwd: dir,
        env: { PATH: process.env['PATH'] ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      base = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
          if (m) resolve(m[1]!);
        });
        child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
        child.on('exit', (code) => reject(new Error(`exited ${code} before listening:\n${out}`)));
        setTimeout(() => reject(new Error(`no start line in 20 s:\n${out}`)), 20_000).unref();
      });
    });
    after(async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    });

    it('starts on its defaults and serves the sample page with the built widget', async () => {
      const page = await fetch(base + '/');
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.equal(html, readFileSync(join(ROOT, 'src', 'http', 'public', 'index.html'), 'utf8'));
      const widget = await fetch(base + '/widget.js');
      assert.equal(widget.status, 200);
      assert.equal(await widget.text(), readFileSync(join(ROOT, 'dist', 'widget', 'widget.js'), 'utf8'));
      assert.equal((await fetch(base + '/healthz')).status, 200);
      assert.equal(existsSync(join(dir, 'data', 'gateway.db')), true, 'SQLite in ./data');
    });
  });
});
