// Start-up time of the built gateway: `npm run build && node dist/bench/start-time.js [runs]`.
// Spawns `node dist/src/cli/main.js serve` (what `npm start` runs, without npm's own start-up)
// on the embedded defaults (SQLite in a fresh directory, demo bot), `runs` times (default 7), and
// reports the median wall time from spawn to the start line, the process's own startupMs (from
// its start to listening) and, as the machine's yardstick measured alternately, `node -e 0`.
// On a shared machine compare the ratio to `node -e 0`, not the absolute times.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const runs = Number(process.argv[2] ?? 7);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function nodeBaseline(): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => spawn(process.execPath, ['-e', '0']).on('exit', () => resolve(performance.now() - t0)));
}

function startOnce(): Promise<{ wall: number; startupMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'wg-start-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  let seen = false;
  return new Promise((resolve, reject) => {
    const early = (code: number | null): void => reject(new Error(`exited ${code} before listening: ${out}`));
    child.once('exit', early);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.includes('listening on'));
      if (!line || seen) return;
      seen = true;
      child.off('exit', early);
      const wall = performance.now() - t0;
      const startupMs = Number((JSON.parse(line) as { startupMs: number }).startupMs);
      child.once('exit', () => {
        rmSync(dir, { recursive: true, force: true });
        resolve({ wall, startupMs });
      });
      child.kill('SIGTERM');
    });
  });
}

const walls: number[] = [];
const inner: number[] = [];
const baseline: number[] = [];
for (let i = 0; i < runs; i++) {
  baseline.push(await nodeBaseline());
  const r = await startOnce();
  walls.push(r.wall);
  inner.push(r.startupMs);
}
const b = median(baseline);
console.log(`runs: ${runs}`);
console.log(`spawn -> start line (median): ${median(walls).toFixed(0)} ms  (${(median(walls) / b).toFixed(1)}x node -e 0)`);
console.log(`startupMs in the start line (median): ${median(inner).toFixed(0)} ms`);
console.log(`node -e 0 (median): ${b.toFixed(0)} ms`);
