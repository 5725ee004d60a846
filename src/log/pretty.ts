// LOG_FORMAT=pretty: turns pino's JSON lines into one readable line each, for a terminal:
//   2026-11-30T12:00:00.000Z INFO  webchat-gateway listening on http://0.0.0.0:8080/ ...  urn=abc attempt=2
// No dependency: a line of JSON in, a line of text out (an error's stack follows on its own lines).

const LEVEL_WIDTH = 5;
/** Fields every line has; shown once at start-up rather than on each line. */
const QUIET = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'service', 'err']);

/** A scalar field as text; pino writes time, level and msg as numbers or strings. */
function text(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}

function value(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : json + '\n';
  }
  const level = text(o['level']).toUpperCase().padEnd(LEVEL_WIDTH);
  const fields = Object.entries(o)
    .filter(([k]) => !QUIET.has(k))
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
  let line = `${text(o['time'])} ${level} ${text(o['msg'])}${fields ? '  ' + fields : ''}\n`;
  const err = o['err'] as { type?: string; message?: string; stack?: string } | undefined;
  if (err) line += (err.stack ?? `${err.type ?? 'Error'}: ${err.message ?? ''}`).replace(/^/gm, '    ') + '\n';
  return line;
}

/** A pino destination that writes pretty lines to `out` (stdout by default). */
export function prettyDestination(out: { write(s: string): unknown } = process.stdout): { write(s: string): void } {
  return { write: (s: string) => void out.write(prettyLine(s.trimEnd())) };
}
