#!/usr/bin/env node
// Bundles the widget (packages/widget) and the client library it uses into one file,
// dist/widget/widget.js, served by the gateway at /widget.js. Part of `npm run build`.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const OUT = 'dist/widget/widget.js';
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const result = await build({
  entryPoints: ['packages/widget/src/index.ts'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  legalComments: 'none',
  charset: 'utf8',
  write: false,
  define: { WIDGET_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});
const code = result.outputFiles[0].contents;
const hash = createHash('sha256').update(code).digest('hex').slice(0, 12);
const banner = `/* webchat-gateway widget ${version} (${hash}) */\n`;
mkdirSync('dist/widget', { recursive: true });
writeFileSync(OUT, Buffer.concat([Buffer.from(banner), code]));
const size = banner.length + code.length;
if (process.env.WIDGET_BUILD_QUIET !== '1') {
  console.log(`widget: ${OUT} ${(size / 1024).toFixed(1)} KiB, ${(gzipSync(readFileSync(OUT), { level: 9 }).length / 1024).toFixed(1)} KiB gzipped`);
}
