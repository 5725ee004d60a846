// Every configuration option, declared once. The loader, `--help` and the README's option table
// are all generated from this list, so an option cannot exist in one and be missing in another.
// The table is kept by group in src/config/groups/; the Config type is derived from it.
import { DELIVERY_OPTIONS } from './groups/delivery.js';
import { ESSENTIALS_OPTIONS } from './groups/essentials.js';
import { LIMITS_OPTIONS } from './groups/limits.js';
import { OBSERVABILITY_OPTIONS } from './groups/observability.js';
import { PLATFORM_OPTIONS } from './groups/platform.js';
import { STORAGE_OPTIONS } from './groups/storage.js';
import type { OptionValue } from './spec.js';

export * from './defaults.js';
export { ConfigError, OPTION_GROUPS, type OptionGroup, type OptionSpec } from './spec.js';
export { LOG_FORMATS, LOG_LEVELS, parseDuration, type LogFormat, type LogLevel } from './validators.js';

/** In the order of OPTION_GROUPS. */
export const OPTIONS = [
  ...ESSENTIALS_OPTIONS,
  ...PLATFORM_OPTIONS,
  ...LIMITS_OPTIONS,
  ...DELIVERY_OPTIONS,
  ...STORAGE_OPTIONS,
  ...OBSERVABILITY_OPTIONS,
] as const;

type Option = (typeof OPTIONS)[number];

/** The gateway's configuration: one field per option, typed by its parser. */
export type Config = { -readonly [O in Option as O['key']]: OptionValue<O> };
