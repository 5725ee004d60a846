#!/usr/bin/env node
// webchat-gateway serve [options]   run the gateway
// webchat-gateway options-table     print the README's option table (generated from the schema)
import { renderHelp, renderMarkdownTable } from '../config/docs.js';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../config/options.js';
import { Gateway } from '../gateway.js';

const USAGE = 'Usage: webchat-gateway serve [options]   (webchat-gateway serve --help lists the options)\n';

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n' + renderHelp());
    return 0;
  }
  if (command === 'options-table') {
    process.stdout.write(renderMarkdownTable());
    return 0;
  }
  if (command !== 'serve') {
    process.stderr.write(`Unknown command ${command}. ${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(renderHelp());
    return 0;
  }

  let gateway: Gateway;
  try {
    gateway = new Gateway({ config: loadConfig({ env: process.env, argv: rest }) });
    await gateway.start();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`webchat-gateway: ${err.message}\n`);
      return 2;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      process.stderr.write(`webchat-gateway: the port is already in use (${e.message}). Set PORT to a free port.\n`);
      return 2;
    }
    process.stderr.write(`webchat-gateway: could not start: ${e.stack ?? e.message}\n`);
    return 1;
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
