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
  entries.push(
    { object: cm('new'), action: 'Created' },
    { object: cm('gone'), action: 'Deleted' },
    { object: cm('kept'), action: 'Skipped', message: 'annotated' },
  );
  return { entries, errors: [] };
}

test('the summary counts every action', () => {
  // Act
  const summary = summarizeChangeSet(changeSet(), 5);
  // Assess
  assert.deepEqual(summary.counts, { Created: 1, Configured: 0, Unchanged: 150, Deleted: 1, Skipped: 1 });
});

test('the summary lists changes before unchanged objects, cut at the limit, and counts what it left out', () => {
  // Act
  const summary = summarizeChangeSet(changeSet(), 5);
  // Assess
  assert.deepEqual(
    summary.entries.map((e) => e.action),
    ['Created', 'Deleted', 'Skipped', 'Unchanged', 'Unchanged'],
  );
  assert.equal(summary.omitted, 148);
});

test('the summary never exceeds the catalog limit and validates against its schema', () => {
  // Act
  const summary = summarizeChangeSet(changeSet(), 1000);
  // Assess
  assert.equal(summary.entries.length, 100);
  assert.equal(ChangeSetSummarySchema.safeParse(summary).success, true);
});

test('formatting names each object and its action, then each error', () => {
  // Prepare
  const set: ChangeSet = {
    entries: [{ object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' }, action: 'Configured' }],
    errors: [{ message: 'Service x: boom' }],
  };
  // Act
  const text = formatChangeSet(set);
  // Assess
  assert.equal(text, 'Deployment.apps web in ns shop configured\nerror: Service x: boom');
});

test('the counts are formatted leaving out actions that did not happen', () => {
  // Act
  const text = formatCounts(changeSet());
  // Assess
  assert.equal(text, 'created 1, unchanged 150, deleted 1, skipped 1');
});

test('Skipped and Unchanged objects are not changes', () => {
  // Act
  const changed = hasChanges({
    entries: [
      { object: cm('a'), action: 'Skipped' },
      { object: cm('b'), action: 'Unchanged' },
    ],
    errors: [],
  });
  // Assess
  assert.equal(changed, false);
});

test('Created, Configured and Deleted objects are changes', () => {
  for (const action of ['Created', 'Configured', 'Deleted'] as const) {
    // Act
    const changed = hasChanges({ entries: [{ object: cm('a'), action }], errors: [] });
    // Assess
    assert.equal(changed, true, action);
  }
});
