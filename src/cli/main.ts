#!/usr/bin/env node
// webchat-gateway [serve] [options]   run the gateway
// webchat-gateway --help | --version
// webchat-gateway options-table       print the README's option table (generated from the schema)
import { renderHelp, renderMarkdownTable, renderTopHelp } from '../config/docs.js';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../config/options.js';
import { StartupError } from '../errors/startup.js';
import { Gateway } from '../gateway.js';
import { createLogger } from '../log/logger.js';
import { VERSION } from '../version.js';

const USAGE = 'Usage: webchat-gateway serve [options]   (webchat-gateway --help explains; webchat-gateway serve --help lists every option)\n';

/** A start-up failure: one line, exit code 2; the stack only with LOG_LEVEL=debug (or trace). */
function fail(line: string, err: unknown, debug: boolean): number {
  process.stderr.write(`webchat-gateway: ${line}\n`);
  const cause = err instanceof StartupError ? err.cause : err;
  if (debug && cause instanceof Error && cause.stack) process.stderr.write(`${cause.stack}\n`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...others] = argv;
  if (first === '--version' || first === '-v' || first === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(renderTopHelp(VERSION));
    return 0;
  }
  if (first === 'options-table') {
    process.stdout.write(renderMarkdownTable());
    return 0;
  }
  // No command, or options straight away: serve.
  const rest = first === undefined || first === 'serve' ? others : first.startsWith('-') ? argv : undefined;
  if (rest === undefined) {
    process.stderr.write(`webchat-gateway: unknown command ${first}. ${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(renderHelp());
    return 0;
  }

  const debug =
    /^(debug|trace)$/i.test(process.env['LOG_LEVEL'] ?? '') ||
    rest.some((a, i) => /^--log-level(=(debug|trace))?$/.test(a) && (a.includes('=') || /^(debug|trace)$/.test(rest[i + 1] ?? '')));
  let gateway: Gateway;
  try {
    const config = loadConfig({ env: process.env, argv: rest });
    gateway = new Gateway({ config, log: createLogger(config.logLevel, undefined, config.logFormat) });
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message, err, debug);
    throw err;
  }
  try {
    await gateway.start();
  } catch (err) {
    if (err instanceof StartupError) return fail(`cannot start: ${err.message}. Fix ${err.option}.`, err, debug);
    return fail(`cannot start: ${(err as Error).message ?? String(err)}`, err, debug);
  }

  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      gateway.log.info({ signal }, 'shutting down');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await gateway.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`webchat-gateway: ${(err as Error).stack}\n`);
    process.exit(1);
  },
);
