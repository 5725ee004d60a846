import { ConfigError, OPTIONS, type Config, type OptionSpec } from './options.js';

export interface ConfigSources {
  env?: Record<string, string | undefined>;
  /** CLI arguments after the command, e.g. ['--port', '9000']. */
  argv?: readonly string[];
}

/** Reads flags as `--name value` or `--name=value`; a boolean flag may stand alone. */
function parseArgv(argv: readonly string[]): Map<OptionSpec, string> {
  const byFlag = new Map<string, OptionSpec>(OPTIONS.map((o) => [o.flag, o as OptionSpec]));
  const out = new Map<OptionSpec, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const spec = byFlag.get(flag);
    if (!spec) {
      throw new ConfigError(`Unknown option ${flag}. Run "webchat-gateway serve --help" for the list.`);
    }
    if (eq !== -1) {
      out.set(spec, arg.slice(eq + 1));
    } else if (typeof spec.default === 'boolean' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--'))) {
      out.set(spec, 'true');
    } else {
      const value = argv[++i];
      if (value === undefined) throw new ConfigError(`Option ${flag} needs a value (or set ${spec.env}).`);
      out.set(spec, value);
    }
  }
  return out;
}

/**
 * Builds the configuration from defaults, then environment, then flags (flags win).
 * Throws ConfigError with a single line naming the variable to fix.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const flags = parseArgv(sources.argv ?? []);
  const config: Record<string, unknown> = {};
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    const fromFlag = flags.get(spec);
    const raw = fromFlag ?? env[spec.env];
    if (raw === undefined || (fromFlag === undefined && raw === '')) {
      config[spec.key] = spec.default;
      continue;
    }
    try {
      config[spec.key] = spec.parse(raw);
    } catch (err) {
      const shown = spec.secret ? '<hidden>' : JSON.stringify(raw);
      const where = fromFlag !== undefined ? `${spec.flag}` : spec.env;
      throw new ConfigError(`Invalid ${where} ${shown}: ${(err as Error).message}. Set ${spec.env} (or ${spec.flag}) correctly.`);
    }
  }
  const cfg = config as unknown as Config;
  if ((cfg.platformUrl !== undefined || cfg.platformHosts.length > 0) && cfg.webhookToken === undefined) {
    throw new ConfigError(
      'WEBHOOK_TOKEN is required when PLATFORM_URL or PLATFORM_HOSTS is set: set WEBHOOK_TOKEN to the secret the platform sends as Authorization.',
    );
  }
  if (cfg.pingTimeout <= cfg.pingInterval) {
    throw new ConfigError(`PING_TIMEOUT (${cfg.pingTimeout} ms) must be longer than PING_INTERVAL (${cfg.pingInterval} ms): raise PING_TIMEOUT.`);
  }
  if (cfg.retryMax < cfg.retryBase) {
    throw new ConfigError('RETRY_MAX must be at least RETRY_BASE: raise RETRY_MAX.');
  }
  if ((cfg.tlsCert === undefined) !== (cfg.tlsKey === undefined)) {
    throw new ConfigError('TLS_CERT and TLS_KEY go together: set both PEM file paths, or neither for plain HTTP.');
  }
  return cfg;
}
