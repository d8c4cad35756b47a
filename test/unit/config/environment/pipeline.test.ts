import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPipelineEnvironment } from '#shared/config/environment/pipeline.ts';

const bootstrap = JSON.stringify({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
  metadata: { name: 'flux-system', namespace: 'flux-system' },
  spec: { interval: '1m', url: 'https://git.example.com/fleet.git', ref: { branch: 'main' } },
});
const complete = { TIDELINE_ARTIFACT_BUCKET: 'bundles', TIDELINE_STATUS_TABLE: 'status', TIDELINE_BOOTSTRAP: bootstrap };

test('the pipeline environment is read with its defaults', () => {
  const env = readPipelineEnvironment(complete);
  assert.equal(env.busName, 'tideline');
  assert.equal(env.secretsPrefix, 'tideline/');
  assert.equal(env.gitCacheDir, '/tmp/tideline-git');
  assert.equal(env.shardSize, 25);
  assert.equal(env.bootstrap.spec.url, 'https://git.example.com/fleet.git');
});

test('a missing or malformed variable fails naming it', () => {
  for (const name of ['TIDELINE_ARTIFACT_BUCKET', 'TIDELINE_STATUS_TABLE', 'TIDELINE_BOOTSTRAP'] as const) {
    const env: Record<string, string> = { ...complete };
    delete env[name];
    assert.throws(() => readPipelineEnvironment(env), new RegExp(name));
  }
  assert.throws(() => readPipelineEnvironment({ ...complete, TIDELINE_RENDER_SHARD_SIZE: '0' }), /TIDELINE_RENDER_SHARD_SIZE/);
  assert.throws(() => readPipelineEnvironment({ ...complete, TIDELINE_BOOTSTRAP: 'kind: [' }), /TIDELINE_BOOTSTRAP/);
});
