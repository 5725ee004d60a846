// Lua scripts kept as .lua files, each opening with a header that names its KEYS and ARGV. The
// number of keys ioredis needs is read from that header ("-- KEYS[n]" lines), so the file is the
// one description of the script's interface. Used by the Redis store (lua/ next to this file)
// and the shared per-address limits (src/limits/lua/). The build copies the .lua files to dist/
// (scripts/copy-assets.js); a tree built by tsc alone finds them in src/.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface LuaScript {
  lua: string;
  numberOfKeys: number;
}

function read(dir: URL, name: string): string {
  const dirs = [dir, new URL(dir.href.replace('/dist/src/', '/src/'))];
  for (const d of dirs) {
    const path = fileURLToPath(new URL(name, d));
    if (existsSync(path)) return readFileSync(path, 'utf8');
  }
  throw new Error(`Lua script ${name} not found (looked in ${dirs.map((d) => fileURLToPath(d)).join(', ')})`);
}

/**
 * The script `name` in the folder `dir`, after the files of `prelude` (local functions it calls;
 * Lua scripts sent to Redis cannot load one another). Its KEYS are counted in its own header.
 */
export function loadLua(dir: URL, name: string, prelude: readonly string[] = []): LuaScript {
  const main = read(dir, name);
  const numberOfKeys = new Set([...main.matchAll(/^--\s*KEYS\[(\d+)\]/gm)].map((m) => m[1])).size;
  return { lua: [...prelude.map((p) => read(dir, p)), main].join('\n'), numberOfKeys };
}
