// The package version, read once from package.json (two levels above dist/src/ and src/ alike:
// dist/src/version.js -> ../../package.json; a production install keeps package.json at its root).
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'webchat-gateway' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next place
    }
  }
  return '0.0.0-unknown';
}

export const VERSION = readVersion();
