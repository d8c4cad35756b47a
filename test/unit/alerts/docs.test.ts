import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ALERTABLE_TYPES } from '#shared/alerts/notification.ts';
import { DOC_PATH, renderAlertDocs } from '#shared/alerts/docs.ts';

describe('docs/alerts.md', () => {
  it('is what scripts/gen-alert-docs.ts generates from the current formatter', async () => {
    // Prepare
    const current = await readFile(DOC_PATH, 'utf8');

    // Act and assess
    assert.equal(current, renderAlertDocs(), 'run: node scripts/gen-alert-docs.ts');
  });

  it('has a rendered sample message for every event type', () => {
    // Prepare
    const text = renderAlertDocs();

    // Act and assess
    for (const type of ALERTABLE_TYPES) assert.match(text, new RegExp(`### ${type}\\n[\\s\\S]*?> \\*\\*`), type);
  });
});
