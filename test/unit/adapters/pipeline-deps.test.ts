import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsKmsDecrypter } from '#shared/adapters/aws/kms-decrypt.ts';
import { clusterDeps } from '#shared/adapters/aws/cluster-deps.ts';
import { gitDeps } from '#shared/adapters/aws/git-deps.ts';
import { kmsDeps } from '#shared/adapters/aws/kms-deps.ts';
import { awsPipelineContext, coreDeps } from '#shared/adapters/aws/pipeline-deps.ts';
import { readPipelineEnvironment } from '#shared/config/environment/pipeline.ts';
import type { Logger } from '#shared/ports/index.ts';

const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

test("render's AWS deps give it a KMS decrypter, so KMS-wrapped SOPS files decrypt with the function role", () => {
  // Prepare
  const config = readPipelineEnvironment({
    TIDELINE_BOOTSTRAP:
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: flux-system}\nspec: {url: "https://git.example.com/fleet.git", ref: {branch: main}, interval: 1m}\n',
    TIDELINE_ARTIFACT_BUCKET: 'bundles',
    TIDELINE_STATUS_TABLE: 'status',
  });
  const traced: unknown[] = [];

  // Act
  const context = awsPipelineContext(config, silent, (client) => (traced.push(client), client));
  const deps = { ...coreDeps(context), ...gitDeps(context), ...clusterDeps(context), ...kmsDeps(context) };

  // Assess
  assert.ok(deps.kms instanceof AwsKmsDecrypter);
  assert.ok(traced.length >= 4, 'the SDK clients built up front are traced');
});
