#!/usr/bin/env node
// Part of `npm run build`: copies the run-time files that tsc does not emit (the sample host
// page, the admin page and the Lua scripts of Redis) from src/ to dist/src/, so a built
// tree runs without src/ (npm ci --omit=dev, or a copied dist/).
import { cpSync } from 'node:fs';

cpSync('src/http/public', 'dist/src/http/public', { recursive: true });
cpSync('src/limits/lua', 'dist/src/limits/lua', { recursive: true });
cpSync('src/store/redis/lua', 'dist/src/store/redis/lua', { recursive: true });
