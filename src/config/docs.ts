import { OPTION_GROUPS, OPTIONS, type OptionGroup, type OptionSpec } from './options.js';

const GROUP_TITLES: Record<OptionGroup, string> = {
  essentials: 'Essentials',
  platform: 'Platform',
  limits: 'Limits',
  delivery: 'Delivery',
  storage: 'Storage',
  observability: 'Observability',
};

/** The options most people set, shown by `webchat-gateway --help`. */
const MOST_NEEDED = ['port', 'storeUrl', 'platformUrl', 'webhookToken'] as const;

function defaultText(spec: OptionSpec): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (Array.isArray(spec.default)) return spec.default.join(',') || 'none';
  return String(spec.default);
}

function byGroup(group: OptionGroup): OptionSpec[] {
  return (OPTIONS as readonly OptionSpec[]).filter((o) => o.group === group);
}

function describe(spec: OptionSpec): string[] {
  return [`  ${spec.flag} <value>   (${spec.env}, default: ${defaultText(spec)})`, `      ${spec.description.replace(/`/g, '')}`];
}

/** `webchat-gateway --help`: commands, the four options most people need, examples. */
export function renderTopHelp(version: string): string {
  const lines = [
    `webchat-gateway ${version}: the WebSocket server for RapidPro-family web chat widgets.`,
    '',
    'Usage: webchat-gateway <command> [options]',
    '',
    'Commands:',
    '  serve            run the gateway (the default command)',
    '  options-table    print the option table (Markdown) of the README',
    '',
    'Options:',
    '  --help, -h       this help; `webchat-gateway serve --help` lists every option, grouped',
    '  --version, -v    print the version',
    '',
    'The options most people need (flag or environment variable):',
  ];
  for (const key of MOST_NEEDED) lines.push(...describe((OPTIONS as readonly OptionSpec[]).find((o) => o.key === key)!));
  lines.push(
    '',
    'Examples:',
    '  webchat-gateway serve',
    '      demo bot, SQLite in ./data, chat widget on http://localhost:8080/',
    '  PLATFORM_URL=https://rapidpro.example.org CHANNEL_UUID=<uuid> WEBHOOK_TOKEN=<secret> webchat-gateway serve',
    '      relay widgets to a courier External channel',
    '  webchat-gateway serve --port 9000 --store-url redis://127.0.0.1:6379/0 --internal-port 9100 --admin-token <t>',
    '      one of several nodes on Redis; metrics and /admin/ on port 9100 only',
    '',
    'In a checkout run it as `npx webchat-gateway ...`; `npm i -g` puts it on the PATH.',
  );
  return lines.join('\n') + '\n';
}

/** `webchat-gateway serve --help`: every option, grouped. */
export function renderHelp(): string {
  const lines = ['Usage: webchat-gateway serve [options]', '', 'Every option can also be set by its environment variable; flags win.'];
  for (const group of OPTION_GROUPS) {
    lines.push('', `${GROUP_TITLES[group]}:`);
    for (const spec of byGroup(group)) lines.push(...describe(spec));
  }
  return lines.join('\n') + '\n';
}

/** The README's option table, between its generated-table markers: one table, grouped. */
export function renderMarkdownTable(): string {
  const rows = ['| variable | flag | default | meaning |', '|---|---|---|---|'];
  for (const group of OPTION_GROUPS) {
    rows.push(`| **${GROUP_TITLES[group]}** | | | |`);
    for (const spec of byGroup(group)) rows.push(`| \`${spec.env}\` | \`${spec.flag}\` | ${defaultText(spec)} | ${spec.description} |`);
  }
  return rows.join('\n') + '\n';
}
