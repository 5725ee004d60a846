// Renders results as markdown and writes bench/RESULTS.md (the source tree, not dist/).
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { LatencySummary } from './util.js';

export interface Row {
  target: string; // 'gateway memory' | 'gateway sqlite' | 'bare relay' | 'http ceiling'
  sessions: number;
  connect?: { ms: number; registered: number; failed: number; firstError?: string | undefined };
  rssBeforeKiB?: number;
  rssAfterKiB?: number;
  /** Gateway RSS at the end of both load phases. */
  rssEndKiB?: number;
  p2w?: {
    accepted: number;
    errors: number;
    postRate: number;
    delivered: number;
    deliveredRate: number;
    lat: LatencySummary;
    firstError?: string | undefined;
    cpuUsPerMsg?: number;
  };
  w2p?: { emitted: number; forwarded: number; rate: number; lat: LatencySummary; cpuUsPerMsg?: number };
  notes: string[];
  /** Rounds run for this target and size; the row is the one with the median delivered/s. */
  rounds?: number[];
}

const f0 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US'));
const f1 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !b || !Number.isFinite(a) ? '–' : `${((100 * a) / b).toFixed(0)}%`;

export function machineInfo(): string[] {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus[0]?.model ?? '?'} × ${cpus.length} cores`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    `- Node: ${process.version}`,
    `- Date: ${new Date().toISOString()}`,
  ];
}

export function resultsTable(rows: Row[]): string {
  const head = [
    'target',
    'sessions',
    'connect+register+subscribe (s)',
    'RSS KiB / idle widget',
    'RSS MiB idle → after load',
    'webhook accepted/s',
    'p→w delivered/s',
    'p→w server CPU µs/msg',
    'p→w p50 ms',
    'p→w p99 ms',
    'p→w max ms',
    'w→p forwarded/s',
    'w→p server CPU µs/msg',
    'w→p p50 ms',
    'w→p p99 ms',
    'w→p max ms',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const perWidget =
      r.rssAfterKiB !== undefined && r.rssBeforeKiB !== undefined && r.connect?.registered
        ? (r.rssAfterKiB - r.rssBeforeKiB) / r.connect.registered
        : undefined;
    lines.push(
      `| ${[
        r.target,
        f0(r.sessions),
        r.connect ? `${(r.connect.ms / 1000).toFixed(2)}${r.connect.failed ? ` (${r.connect.failed} failed)` : ''}` : '–',
        f1(perWidget),
        r.rssAfterKiB !== undefined && r.rssEndKiB !== undefined ? `${f0(r.rssAfterKiB / 1024)} → ${f0(r.rssEndKiB / 1024)}` : '–',
        f0(r.p2w?.postRate),
        f0(r.p2w?.deliveredRate) + (r.rounds && r.rounds.length > 1 ? ` (${r.rounds.map(f0).join(' / ')})` : ''),
        f0(r.p2w?.cpuUsPerMsg),
        f1(r.p2w?.lat.p50),
        f1(r.p2w?.lat.p99),
        f1(r.p2w?.lat.max),
        f0(r.w2p?.rate),
        f0(r.w2p?.cpuUsPerMsg),
        f1(r.w2p?.lat.p50),
        f1(r.w2p?.lat.p99),
        f1(r.w2p?.lat.max),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** Each gateway row against the bare relay with the same session count, and the HTTP ceiling. */
export function ratioTable(rows: Row[]): string {
  const ceiling = rows.find((r) => r.target === 'http ceiling');
  const head = [
    'gateway',
    'sessions',
    'webhook rate vs HTTP ceiling',
    'webhook rate vs bare',
    'delivered/s vs bare',
    'server CPU per message bare / gateway',
    'p→w p99 bare / gateway',
    'forwarded/s vs bare',
    'connect time bare / gateway',
    'RSS/widget gateway ÷ bare',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const perWidget = (r: Row | undefined): number | undefined =>
    r?.rssAfterKiB !== undefined && r.rssBeforeKiB !== undefined && r.connect?.registered ? (r.rssAfterKiB - r.rssBeforeKiB) / r.connect.registered : undefined;
  for (const g of rows.filter((r) => r.target.startsWith('gateway'))) {
    const b = rows.find((r) => r.target === 'bare relay' && r.sessions === g.sessions);
    const pw = perWidget(g);
    const pb = perWidget(b);
    lines.push(
      `| ${[
        g.target,
        f0(g.sessions),
        ratio(g.p2w?.postRate, ceiling?.p2w?.postRate),
        ratio(g.p2w?.postRate, b?.p2w?.postRate),
        ratio(g.p2w?.deliveredRate, b?.p2w?.deliveredRate),
        ratio(b?.p2w?.cpuUsPerMsg, g.p2w?.cpuUsPerMsg),
        ratio(b?.p2w?.lat.p99, g.p2w?.lat.p99),
        ratio(g.w2p?.rate, b?.w2p?.rate),
        ratio(b?.connect?.ms, g.connect?.ms),
        pw !== undefined && pb ? `${(pw / pb).toFixed(1)}×` : '–',
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The WWC rows beside the SocketCluster ones (same store, same size), and weni-webchat-socket
 * 3.19 as issue 16 measured it on this kind of machine (1,000 raw WWC clients, 64 posts in flight).
 */
export function wwcTable(rows: Row[]): string {
  const perWidget = (r: Row): number | undefined =>
    r.rssAfterKiB !== undefined && r.rssBeforeKiB !== undefined && r.connect?.registered ? (r.rssAfterKiB - r.rssBeforeKiB) / r.connect.registered : undefined;
  const head = [
    'server',
    'sessions',
    'posts accepted/s',
    'p→w delivered/s',
    'accepted, not delivered',
    'p→w p99 ms',
    'p→w server CPU µs/msg',
    'w→p forwarded/s',
    'w→p server CPU µs/msg',
    'RSS KiB / idle session',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const sizes = [...new Set(rows.filter((r) => r.target === 'gateway wwc sqlite').map((r) => r.sessions))];
  for (const n of sizes) {
    for (const [target, label] of [
      ['gateway sqlite', 'gateway, SocketCluster widgets, EX channel'],
      ['gateway wwc sqlite', 'gateway, WWC clients, WWC channel'],
    ] as const) {
      const r = rows.find((x) => x.target === target && x.sessions === n);
      if (!r) continue;
      lines.push(
        `| ${[
          label,
          f0(n),
          f0(r.p2w?.postRate),
          f0(r.p2w?.deliveredRate),
          r.p2w ? f0(Math.max(0, r.p2w.accepted - r.p2w.delivered)) : '–',
          f1(r.p2w?.lat.p99),
          f0(r.p2w?.cpuUsPerMsg),
          f0(r.w2p?.rate),
          f0(r.w2p?.cpuUsPerMsg),
          f1(perWidget(r)),
        ].join(' | ')} |`,
      );
    }
  }
  lines.push(
    '| weni-webchat-socket 3.19 (issue 16) | 1,000 | about 7,500 (202) | about 2,100 | 12,000 to 37,000 per 8 s run | 15 at 1,500 posts/s; 370 at 3,000/s | 300-380 | – | – | 40-48 |',
  );
  return lines.join('\n');
}

export function writeResults(path: string, sections: string[]): void {
  writeFileSync(path, sections.join('\n\n') + '\n');
}
