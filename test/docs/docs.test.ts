// The README stays a short guide: at most about 250 lines, linking every document in docs/, and
// every relative link in the README and docs/ points at a file that exists.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md') || f === 'alerts.yml');

function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
}

describe('README and docs/', () => {
  it('the README has at most 250 lines and links every document in docs/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    assert.ok(readme.split('\n').length <= 250, `README has ${readme.split('\n').length} lines`);
    const links = new Set(relativeLinks(readme));
    for (const doc of DOCS) assert.ok(links.has(`docs/${doc}`), `README links docs/${doc}`);
    for (const f of ['LICENSE', 'CHANGELOG.md']) assert.ok(links.has(f) && existsSync(join(ROOT, f)), f);
  });

  it('every relative link in the README and docs/ resolves', () => {
    for (const file of ['README.md', ...DOCS.filter((d) => d.endsWith('.md')).map((d) => `docs/${d}`)]) {
      for (const link of relativeLinks(readFileSync(join(ROOT, file), 'utf8'))) {
        assert.ok(existsSync(join(ROOT, dirname(file), link)), `${file} links ${link}, which does not exist`);
      }
    }
  });
});
