import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderHelp, renderMarkdownTable } from '../../src/config/docs.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError, DEFAULT_CHANNEL_UUID, OPTIONS, parseDuration } from '../../src/config/options.js';

describe('configuration', () => {
  it('runs on safe embedded defaults with no environment at all', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.port, 8080);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.storeUrl, 'sqlite:./data/gateway.db');
    assert.equal(c.platformUrl, undefined);
    assert.equal(c.channelUuid, DEFAULT_CHANNEL_UUID);
    assert.equal(c.maxTextLength, 4096);
    assert.equal(c.logLevel, 'info');
  });

  it('reads environment variables, and flags win over them', () => {
    const c = loadConfig({ env: { PORT: '9000', LOG_LEVEL: 'debug' }, argv: ['--port', '9100', '--store-url=memory:'] });
    assert.equal(c.port, 9100);
    assert.equal(c.storeUrl, 'memory:');
    assert.equal(c.logLevel, 'debug');
  });

  it('stops with one line naming the variable when a value is wrong', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: 'eighty' }, /Invalid PORT "eighty": expected a whole number.*Set PORT/],
      [{ STORE_URL: 'postgres://x' }, /Invalid STORE_URL.*sqlite:<path>/],
      [{ CHANNEL_UUID: 'nope' }, /Invalid CHANNEL_UUID.*UUID/],
      [{ PLATFORM_URL: 'ftp://x' }, /Invalid PLATFORM_URL/],
      [{ LOG_LEVEL: 'loud' }, /Invalid LOG_LEVEL/],
      [{ PING_INTERVAL: 'soon' }, /Invalid PING_INTERVAL.*duration/],
    ];
    for (const [env, re] of cases) {
      assert.throws(
        () => loadConfig({ env }),
        (err: Error) => err instanceof ConfigError && re.test(err.message) && !err.message.includes('\n'),
        JSON.stringify(env),
      );
    }
  });

  it('requires WEBHOOK_TOKEN once a platform is configured', () => {
    assert.throws(() => loadConfig({ env: { PLATFORM_URL: 'https://rapidpro.example.org' } }), /WEBHOOK_TOKEN is required/);
    const c = loadConfig({ env: { PLATFORM_URL: 'https://rapidpro.example.org/', WEBHOOK_TOKEN: 's' } });
    assert.equal(c.platformUrl, 'https://rapidpro.example.org');
  });

  it('never echoes a secret in its error message', () => {
    assert.throws(
      () => loadConfig({ env: { AUTH_SECRET: '' }, argv: ['--auth-secret', ''] }),
      (err: Error) => !err.message.includes('""') || err.message.includes('<hidden>'),
    );
  });

  it('refuses unknown flags with a pointer to --help', () => {
    assert.throws(() => loadConfig({ env: {}, argv: ['--prot', '1'] }), /Unknown option --prot.*--help/);
  });

  it('parses durations in the units people write', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('24h'), 86_400_000);
    assert.equal(parseDuration('30d'), 30 * 86_400_000);
    assert.equal(parseDuration('250'), 250);
  });

  it('documents every option in --help and in the README table, from the one schema', () => {
    const help = renderHelp();
    const table = renderMarkdownTable();
    for (const o of OPTIONS) {
      assert.ok(help.includes(o.flag) && help.includes(o.env), `--help lacks ${o.env}`);
      assert.ok(table.includes(`\`${o.env}\``), `table lacks ${o.env}`);
    }
  });
});

describe('README', () => {
  it('carries the option table generated from the schema, unchanged', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('<!-- options-table:start -->\n');
    const end = readme.indexOf('<!-- options-table:end -->');
    assert.ok(start !== -1 && end !== -1, 'markers present');
    assert.equal(readme.slice(start + '<!-- options-table:start -->\n'.length, end), renderMarkdownTable(), 'run: npm run options-table');
  });
});
