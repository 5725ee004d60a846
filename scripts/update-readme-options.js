#!/usr/bin/env node
// Rewrites the README's option table from the schema (npm run options-table, after a build).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const START = '<!-- options-table:start -->\n';
const END = '<!-- options-table:end -->';
const table = execFileSync(process.execPath, ['dist/src/cli/main.js', 'options-table'], { encoding: 'utf8' });
const readme = readFileSync('README.md', 'utf8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a === -1 || b === -1) throw new Error('README.md lacks the options-table markers');
writeFileSync('README.md', readme.slice(0, a + START.length) + table + readme.slice(b));
console.log('README.md option table updated');
