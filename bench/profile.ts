// Summarises a V8 .cpuprofile: self time per function (functionName + url:line) and per origin.
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface ProfileSummary {
  totalMs: number;
  functions: Array<{ name: string; ms: number; pct: number }>;
  origins: Array<{ name: string; ms: number; pct: number }>;
}

function origin(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return 'node core';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const ours = /\/dist\/(src\/[^/]+)\//.exec(url);
  return ours ? `gateway ${ours[1]}` : url.replace(/^file:\/\//, '');
}

/**
 * `window` picks samples by their time from the end of the profile (ms): 'last' keeps the last
 * `ms`, 'before' keeps everything earlier. The profile ends at process exit.
 */
export function summarizeProfile(file: string, top = 25, window?: { part: 'last' | 'before'; ms: number }): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; endTime: number };
  let t = 0;
  const at: number[] = p.timeDeltas.map((d) => (t += d));
  const startUs = at.length ? at[at.length - 1]! - (window?.ms ?? 0) * 1000 : 0;
  const keep = (i: number): boolean => !window || (window.part === 'last' ? at[i]! >= startUs : at[i]! < startUs);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time since the previous sample; attribute it to sample i-1's node.
  for (let i = 1; i < p.samples.length; i++) if (keep(i)) selfUs.set(p.samples[i - 1]!, (selfUs.get(p.samples[i - 1]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const fn = new Map<string, number>();
  const org = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)!.callFrame;
    const short = cf.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
    const key = `${cf.functionName || '(anonymous)'} ${short ? `${short}:${cf.lineNumber + 1}` : ''}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    const o = origin(cf.url, cf.functionName);
    org.set(o, (org.get(o) ?? 0) + us);
    total += us;
  }
  const rank = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, pct: (100 * us) / total }));
  return { totalMs: total / 1000, functions: rank(fn, top), origins: rank(org, 15) };
}

export function profileMarkdown(s: ProfileSummary, context: string): string {
  const lines = [`${context} Total sampled: ${(s.totalMs / 1000).toFixed(1)} s.`, '', '| self ms | % | function (file:line) |', '|---:|---:|---|'];
  for (const f of s.functions) lines.push(`| ${f.ms.toFixed(0)} | ${f.pct.toFixed(1)} | \`${f.name.replace(/\|/g, '\\|')}\` |`);
  lines.push('', '| self ms | % | origin |', '|---:|---:|---|');
  for (const o of s.origins) lines.push(`| ${o.ms.toFixed(0)} | ${o.pct.toFixed(1)} | ${o.name} |`);
  return lines.join('\n');
}
