// Differential property test: random fleet trees (a base and overlays combining labels, prefixes,
// namespaces, images, replicas, patches and generators) must render byte for byte as
// `kustomize build` renders them, or fail in both.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { renderKustomization } from '#shared/render/index.ts';
import { ensureBinaries } from '#test/env/build.ts';
import { fleetTreeArbitrary, writeTree } from './fleet-arbitrary.ts';
import { describeMismatch, kustomizeBuild } from './harness.ts';

const numRuns = Number(process.env.TIDELINE_DIFFERENTIAL_RUNS ?? '300');
const { kustomize } = await ensureBinaries();

test(`renders ${numRuns} generated fleet trees exactly as kustomize build does`, async (t) => {
  // Prepare
  const scratch = mkdtempSync(join(tmpdir(), 'tideline-differential-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  let counter = 0;
  let bothFailed = 0;

  // Act + Assess (per generated tree)
  await fc.assert(
    fc.asyncProperty(fleetTreeArbitrary, async (tree) => {
      const root = join(scratch, String(counter++));
      writeTree(root, tree);
      const reference = await kustomizeBuild(kustomize, join(root, tree.buildPath));
      let rendered: string | Error;
      try {
        rendered = (await renderKustomization({ root, path: tree.buildPath })).yaml;
      } catch (error) {
        rendered = error as Error;
      }
      if (!reference.ok) {
        assert.ok(rendered instanceof Error, `kustomize refused this tree but tideline rendered it:\n${reference.error}`);
        bothFailed++;
        return;
      }
      if (rendered instanceof Error) assert.fail(`tideline failed where kustomize succeeded: ${rendered.message}`);
      if (rendered !== reference.yaml) assert.fail(describeMismatch(reference.yaml, rendered));
    }),
    { numRuns, seed: process.env.TIDELINE_DIFFERENTIAL_SEED === undefined ? undefined : Number(process.env.TIDELINE_DIFFERENTIAL_SEED), endOnFailure: false },
  );

  // The generator is meant to produce valid trees: if most of them fail in both tools, the test
  // proves nothing, so that is a failure too.
  assert.ok(bothFailed < numRuns / 10, `${bothFailed} of ${numRuns} generated trees were refused by kustomize`);
});
