// Byte-for-byte conformance of the renderer with the reference `kustomize build`: every fixture case
// is built by the real binary at test time and by renderKustomization, and the two bundles must match.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvalidInputError } from '#shared/errors/index.ts';
import { renderKustomization } from '#shared/render/index.ts';
import { ensureBinaries } from '#test/env/build.ts';
import { describeMismatch, kustomizeBuild, listCases, mapLimited } from './harness.ts';

const cases = listCases();
const { kustomize } = await ensureBinaries();
// The reference builds are independent processes: run them side by side so the whole suite costs
// about as much as its slowest few cases.
const references = await mapLimited(cases, availableParallelism(), (c) => kustomizeBuild(kustomize, join(c.root, c.buildPath)));

test('the fixture set is large enough to mean something', () => {
  // Act and assess: count the fixtures found above
  assert.ok(cases.length >= 60, `expected at least 60 conformance cases, found ${cases.length}`);
});

cases.forEach((fixture, index) => {
  const refusal = fixture.refusal;
  if (refusal !== undefined) {
    test(`refuses ${fixture.name} as kustomize build does`, async () => {
      // Prepare
      const reference = references[index];
      assert.ok(reference, `no reference build for ${fixture.name}`);
      assert.ok(!reference.ok, `kustomize must refuse ${fixture.name}`);
      assert.match(reference.error, refusal);

      // Act
      const rendering = renderKustomization({ root: fixture.root, path: fixture.buildPath });

      // Assess
      await assert.rejects(rendering, InvalidInputError);
    });
    return;
  }
  test(`renders ${fixture.name} exactly as kustomize build does`, async () => {
    // Prepare
    const reference = references[index];
    assert.ok(reference, `no reference build for ${fixture.name}`);
    assert.ok(reference.ok, reference.ok ? '' : `the fixture must be valid for kustomize: ${reference.error}`);

    // Act
    const rendered = await renderKustomization({ root: fixture.root, path: fixture.buildPath });

    // Assess
    if (rendered.yaml !== reference.yaml) assert.fail(`${fixture.name}: ${describeMismatch(reference.yaml, rendered.yaml)}`);
  });
});
