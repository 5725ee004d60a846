#!/usr/bin/env node
// Part of `npm run build`: copies the run-time files that tsc does not emit (the sample host
// page and the admin page) from src/ to dist/src/, so a built
// tree runs without src/ (npm ci --omit=dev, or a copied dist/).
import { cpSync } from 'node:fs';

cpSync('src/http/public', 'dist/src/http/public', { recursive: true });
