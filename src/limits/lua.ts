// The per-address limits' Lua scripts (src/limits/lua/*.lua, each with a KEYS/ARGV header),
// loaded by the one loader of .lua files (src/store/redis/lua.ts).
import { loadLua as loadFrom, type LuaScript } from '../store/redis/lua.js';

export type { LuaScript };

export function loadLua(name: string): LuaScript {
  return loadFrom(new URL('./lua/', import.meta.url), name);
}
