// Change set summaries for events: counts, changes first, bounded, valid against the catalog schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeSetSummarySchema } from '#shared/events/catalog.ts';
import { formatChangeSet, formatCounts, hasChanges, summarizeChangeSet } from '#shared/kube/index.ts';
import type { ChangeSet } from '#shared/kube/index.ts';

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name });

function changeSet(): ChangeSet {
  const entries: ChangeSet['entries'] = [];
  for (let i = 0; i < 150; i++) entries.push({ object: cm(`same-${i}`), action: 'Unchanged' });
  entries.push({ object: cm('new'), action: 'Created' }, { object: cm('gone'), action: 'Deleted' }, { object: cm('kept'), action: 'Skipped', message: 'annotated' });
  return { entries, errors: [] };
}

test('the summary counts every action and lists changes before unchanged objects', () => {
  const summary = summarizeChangeSet(changeSet(), 5);
  assert.deepEqual(summary.counts, { Created: 1, Configured: 0, Unchanged: 150, Deleted: 1, Skipped: 1 });
  assert.deepEqual(summary.entries.slice(0, 3).map((e) => e.action), ['Created', 'Deleted', 'Skipped']);
  assert.equal(summary.entries.length, 5);
  assert.equal(summary.omitted, 148);
});

test('the summary never exceeds the catalog limit and validates against its schema', () => {
  const summary = summarizeChangeSet(changeSet(), 1000);
  assert.equal(summary.entries.length, 100);
  assert.equal(ChangeSetSummarySchema.safeParse(summary).success, true);
});

test('formatting names each object and its action, and counts', () => {
  const text = formatChangeSet({ entries: [{ object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' }, action: 'Configured' }], errors: [{ message: 'Service x: boom' }] });
  assert.equal(text, 'Deployment.apps web in ns shop configured\nerror: Service x: boom');
  assert.equal(formatCounts(changeSet()), 'created 1, unchanged 150, deleted 1, skipped 1');
});

test('only Created, Configured and Deleted count as changes', () => {
  assert.equal(hasChanges({ entries: [{ object: cm('a'), action: 'Skipped' }, { object: cm('b'), action: 'Unchanged' }], errors: [] }), false);
  assert.equal(hasChanges({ entries: [{ object: cm('a'), action: 'Deleted' }], errors: [] }), true);
});
