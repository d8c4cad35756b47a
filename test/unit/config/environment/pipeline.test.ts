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
  // Act
  const env = readPipelineEnvironment(complete);
  // Assess
  assert.equal(env.busName, 'tideline');
  assert.equal(env.secretsPrefix, 'tideline/');
  assert.equal(env.gitCacheDir, '/tmp/tideline-git');
  assert.equal(env.shardSize, 25);
  assert.equal(env.bootstrap.spec.url, 'https://git.example.com/fleet.git');
});

test('a missing or malformed variable fails naming it', () => {
  // Prepare: each environment lacks or spoils the variable it is keyed by.
  const broken: [string, Record<string, string>][] = ['TIDELINE_ARTIFACT_BUCKET', 'TIDELINE_STATUS_TABLE', 'TIDELINE_BOOTSTRAP'].map((name) => {
    const env: Record<string, string> = { ...complete };
    delete env[name];
    return [name, env];
  });
  broken.push(['TIDELINE_RENDER_SHARD_SIZE', { ...complete, TIDELINE_RENDER_SHARD_SIZE: '0' }]);
  broken.push(['TIDELINE_BOOTSTRAP', { ...complete, TIDELINE_BOOTSTRAP: 'kind: [' }]);
  for (const [name, env] of broken) {
    // Act
    const attempt = (): unknown => readPipelineEnvironment(env);
    // Assess
    assert.throws(attempt, new RegExp(name));
  }
});
