import { OPTIONS, type OptionSpec } from './options.js';

function defaultText(spec: OptionSpec): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (Array.isArray(spec.default)) return spec.default.join(',') || 'none';
  return String(spec.default);
}

/** `webchat-gateway serve --help`. */
export function renderHelp(): string {
  const lines = [
    'Usage: webchat-gateway serve [options]',
    '',
    'Every option can also be set by its environment variable; flags win.',
    '',
  ];
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    lines.push(`  ${spec.flag} <value>   (${spec.env}, default: ${defaultText(spec)})`);
    lines.push(`      ${spec.description.replace(/`/g, '')}`);
  }
  return lines.join('\n') + '\n';
}

/** The README's option table, between its generated-table markers. */
export function renderMarkdownTable(): string {
  const rows = ['| variable | flag | default | meaning |', '|---|---|---|---|'];
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    rows.push(`| \`${spec.env}\` | \`${spec.flag}\` | ${defaultText(spec)} | ${spec.description} |`);
  }
  return rows.join('\n') + '\n';
}
