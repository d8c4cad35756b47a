import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { DETAIL_TYPES } from '#shared/events/catalog.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('docs/events.md is up to date with the catalog (run node scripts/gen-event-docs.ts)', async () => {
  // The generator's --check mode exits non-zero when the committed document differs.
  // Act
  const run = promisify(execFile)(process.execPath, ['scripts/gen-event-docs.ts', '--check'], { cwd: root, timeout: 60_000 });
  // Assess
  await assert.doesNotReject(run);
});

test('docs/events.md has a section with the pattern for every detail-type', () => {
  // Act
  const text = readFileSync(`${root}docs/events.md`, 'utf8');
  // Assess
  for (const type of DETAIL_TYPES) {
    assert.match(text, new RegExp(`^## ${type}$`, 'm'));
    assert.ok(text.includes(`"detail-type":["${type}"]`), type);
  }
});
