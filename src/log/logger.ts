import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/options.js';

export type { Logger };

/**
 * Structured JSON logs on stdout. Secrets never reach a log line: the redaction list covers every
 * place a token or Authorization header could appear, in case a caller logs a whole object.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'webchat-gateway' },
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
    destination,
  );
}
