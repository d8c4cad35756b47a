import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsKmsDecrypter } from '#shared/adapters/aws/kms-decrypt.ts';
import { loadPipelineDeps } from '#shared/adapters/aws/pipeline-deps.ts';
import { readPipelineEnvironment } from '#shared/config/environment/pipeline.ts';
import type { Logger } from '#shared/ports/index.ts';

const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

test('the AWS pipeline deps give render a KMS decrypter, so KMS-wrapped SOPS files decrypt with the function role', () => {
  // Prepare
  const config = readPipelineEnvironment({
    TIDELINE_BOOTSTRAP:
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: flux-system}\nspec: {url: "https://git.example.com/fleet.git", ref: {branch: main}, interval: 1m}\n',
    TIDELINE_ARTIFACT_BUCKET: 'bundles',
    TIDELINE_STATUS_TABLE: 'status',
  });
  const traced: unknown[] = [];

  // Act
  const deps = loadPipelineDeps(config, silent, (client) => (traced.push(client), client));

  // Assess
  assert.ok(deps.kms instanceof AwsKmsDecrypter);
  assert.ok(traced.length >= 4, 'the SDK clients built up front are traced');
});
