// Trees whose expected bundle was recorded from kustomize v5.7.1 (`kustomize build <case>/app`):
// behaviours found by comparing with the binary, kept so they stay fixed without the binary at hand.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { renderKustomization } from '#shared/render/index.ts';

const recorded = path.join(import.meta.dirname, 'fixtures', 'recorded');

describe('recorded kustomize output', () => {
  for (const name of readdirSync(recorded).sort()) {
    it(`renders ${name} byte for byte`, async () => {
      // Prepare
      const root = path.join(recorded, name);
      const expected = await readFile(path.join(root, 'expected.yaml'), 'utf8');

      // Act
      const { yaml } = await renderKustomization({ root, path: 'app' });

      // Assess
      assert.equal(yaml, expected);
    });
  }
});
