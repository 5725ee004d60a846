// Lua scripts kept as .lua files (src/limits/lua/), each opening with a header that names its
// KEYS and ARGV. The number of keys ioredis needs is read from that header ("-- KEYS[n]" lines),
// so the file is the one description of the script's interface.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface LuaScript {
  lua: string;
  numberOfKeys: number;
}

// tsc does not copy .lua files: from dist/src/limits/ look in the source tree too.
const DIRS = [new URL('./lua/', import.meta.url), new URL('../../../src/limits/lua/', import.meta.url)];

export function loadLua(name: string): LuaScript {
  for (const dir of DIRS) {
    const path = fileURLToPath(new URL(name, dir));
    if (!existsSync(path)) continue;
    const lua = readFileSync(path, 'utf8');
    const numberOfKeys = new Set([...lua.matchAll(/^--\s*KEYS\[(\d+)\]/gm)].map((m) => m[1])).size;
    return { lua, numberOfKeys };
  }
  throw new Error(`Lua script ${name} not found (looked in ${DIRS.map((d) => fileURLToPath(d)).join(', ')})`);
}
