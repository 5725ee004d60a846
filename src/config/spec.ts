// The shape of one option of the table (src/config/groups/); the Config type is derived from the
// table itself (src/config/options.ts).

/** Raised for an invalid option; its message is the one line shown before exiting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Sections of `serve --help` and of the README's option table, in this order. */
export const OPTION_GROUPS = ['essentials', 'platform', 'limits', 'delivery', 'storage', 'observability'] as const;
export type OptionGroup = (typeof OPTION_GROUPS)[number];

export interface OptionSpec<K extends string = string, T = unknown, D extends T | undefined = T | undefined> {
  key: K;
  group: OptionGroup;
  env: string;
  flag: string;
  /** Shown in --help and the README; undefined means "unset". */
  default: D;
  /** How the default reads in docs, where the raw value would mislead. */
  defaultText?: string;
  description: string;
  /** Parses the raw string; throws Error with a sentence naming what is expected. */
  parse: (raw: string) => T;
  secret?: boolean;
}

/** One option: its value type is what `parse` returns, plus undefined when it defaults to unset. */
export function option<K extends string, T, D extends T | undefined>(spec: OptionSpec<K, T, D>): OptionSpec<K, T, D> {
  return spec;
}

/** The value an option holds in Config: what it parses to, or undefined when it defaults to unset. */
export type OptionValue<O extends OptionSpec> = ReturnType<O['parse']> | ([O['default']] extends [undefined] ? undefined : never);
