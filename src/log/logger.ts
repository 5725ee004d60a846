import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import type { LogFormat, LogLevel } from '../config/options.js';
import { prettyDestination } from './pretty.js';

export type { Logger };

/**
 * Structured logs on stdout: ISO-8601 `time`, the level by name, `pid` and `hostname` (so nodes
 * can be told apart). JSON by default; LOG_FORMAT=pretty for a terminal. Secrets never reach a
 * log line: the redaction list covers every place a token or Authorization header could appear,
 * in case a caller logs a whole object.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream, format: LogFormat = 'json'): Logger {
  const dest = format === 'pretty' ? prettyDestination(destination ?? process.stdout) : destination;
  return pino(
    {
      level,
      base: { pid: process.pid, hostname: hostname(), service: 'webchat-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'authorization',
          'headers.authorization',
          'req.headers.authorization',
          'token',
          'authToken',
          'signedAuthToken',
          'config.webhookToken',
          'config.authSecret',
          'config.adminToken',
        ],
        censor: '[redacted]',
      },
    },
    dest,
  );
}
