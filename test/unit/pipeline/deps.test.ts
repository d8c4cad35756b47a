// The pipeline's own reconcile requests (a schedule coming due, a dependent waiting on an apply).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kustomizationReconcileRequest } from '#shared/pipeline/deps.ts';

test('a Kustomization reconcile request asks for the revision already fetched, not a source sync', () => {
  // Prepare
  const clock = { now: () => Date.UTC(2026, 0, 2, 3, 4, 5), sleep: async () => {} };

  // Act
  const request = kustomizationReconcileRequest({ cluster: 'prod-eu', namespace: 'flux-system', name: 'apps' }, clock);

  // Assess
  assert.deepEqual(request, {
    object: { kind: 'Kustomization', name: 'apps', namespace: 'flux-system' },
    cluster: 'prod-eu',
    withSource: false,
    requestedAt: '2026-01-02T03:04:05.000Z',
  });
});
