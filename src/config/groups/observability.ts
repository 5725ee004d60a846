// The `observability` options (see src/config/options.ts).
import { option } from '../spec.js';
import { integer, logFormat, logLevel, nonEmpty } from '../validators.js';

export const OBSERVABILITY_OPTIONS = [
  option({
    key: 'logLevel',
    group: 'observability',
    env: 'LOG_LEVEL',
    flag: '--log-level',
    default: 'info',
    parse: logLevel,
    description: 'pino log level. Message text is logged only at `debug`.',
  }),
  option({
    key: 'logFormat',
    group: 'observability',
    env: 'LOG_FORMAT',
    flag: '--log-format',
    default: 'json',
    parse: logFormat,
    description: '`json` (one object per line, for log collectors) or `pretty` (one readable line per event, for a terminal).',
  }),
  option({
    key: 'internalPort',
    group: 'observability',
    env: 'INTERNAL_PORT',
    flag: '--internal-port',
    default: undefined,
    defaultText: 'unset: all on PORT',
    parse: integer(0, 65535),
    description: 'When set, `/metrics`, `/healthz`, `/readyz` and the admin API and page are served only on this port, not on PORT.',
  }),
  option({
    key: 'internalHost',
    group: 'observability',
    env: 'INTERNAL_HOST',
    flag: '--internal-host',
    default: undefined,
    defaultText: 'same as HOST',
    parse: nonEmpty,
    description: 'Address the internal port listens on (e.g. 127.0.0.1 to keep it on the machine).',
  }),
  option({
    key: 'adminToken',
    group: 'observability',
    env: 'ADMIN_TOKEN',
    flag: '--admin-token',
    default: undefined,
    defaultText: 'unset: admin API off',
    parse: nonEmpty,
    secret: true,
    description: 'Bearer token of the admin API and page (`/admin/`); without it they answer 404.',
  }),
] as const;
