// The sweep's pure parts: sharding, the drift mode annotation, event-size bounds, the function's
// environment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDriftEnvironment } from '#shared/config/environment/drift.ts';
import { boundedDrift, driftModeOf, shardClusters } from '#shared/drift/index.ts';
import type { DriftFinding } from '#shared/kube/index.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import { bootstrapJson, fluxKustomizationFor } from './helpers.ts';

test('clusters are sorted, deduplicated and cut into shards of the given size', () => {
  // Act
  const shards = shardClusters(['e', 'a', 'c', 'b', 'd', 'a'], 2);
  // Assess
  assert.deepEqual(shards, [['a', 'b'], ['c', 'd'], ['e']]);
});

test('a shard size outside 1–200 is refused', () => {
  // Act / Assess
  assert.throws(() => shardClusters(['a'], 0), InvalidInputError);
  assert.throws(() => shardClusters(['a'], 201), InvalidInputError);
});

test('the drift mode is correct by default, detect when annotated, and any other value is refused naming the Kustomization', () => {
  // Act / Assess
  assert.equal(driftModeOf(fluxKustomizationFor('apps')), 'correct');
  assert.equal(driftModeOf(fluxKustomizationFor('apps', { 'tideline.dev/drift': 'detect' })), 'detect');
  assert.throws(
    () => driftModeOf(fluxKustomizationFor('apps', { 'tideline.dev/drift': 'off' })),
    /Kustomization flux-system\/apps: annotation tideline.dev\/drift must be "detect" or "correct", not "off"/,
  );
});

test('drift events stay within their byte budget: fields go first, then objects, and the count says how many', () => {
  // Prepare
  const findings: DriftFinding[] = Array.from({ length: 150 }, (_, i) => ({
    object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'n', name: `c${i}` },
    change: 'Modified',
    fields: Array.from({ length: 10 }, (_, j) => ({ path: `data.k${j}`, expected: 'x'.repeat(100), actual: 'y'.repeat(100) })),
    fieldsOmitted: 0,
    corrected: false,
  }));
  // Act
  const bounded = boundedDrift(findings, 32 * 1024);
  // Assess
  assert.ok(JSON.stringify(bounded).length <= 32 * 1024);
  assert.ok(bounded.length <= 100);
  assert.ok(
    bounded.some((d) => d.fields === undefined && d.fieldsOmitted === 10),
    'late objects keep their identity, not their fields',
  );
});

test('the drift function reads its settings from the environment and names a bad variable', () => {
  // Prepare
  const base = {
    TIDELINE_BOOTSTRAP: bootstrapJson('https://git.example.com/fleet.git'),
    TIDELINE_ARTIFACT_BUCKET: 'b',
    TIDELINE_STATUS_TABLE: 't',
  };
  // Act
  const parsed = readDriftEnvironment({ ...base, TIDELINE_DRIFT_SHARD_SIZE: '50', TIDELINE_DRIFT_CLUSTER_DEADLINE_MS: '5000' });
  // Assess
  assert.deepEqual(parsed.settings, { shardSize: 50, concurrency: 10, clusterDeadlineMs: 5000 });
  assert.throws(() => readDriftEnvironment({ ...base, TIDELINE_DRIFT_CONCURRENCY: '0' }), /TIDELINE_DRIFT_CONCURRENCY/);
});
