// Whatever a repository holds, the renderer either renders it or refuses it with InvalidInputError:
// it never crashes with a TypeError or hangs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { InvalidInputError } from '#shared/errors/index.ts';
import { renderKustomization } from '#shared/render/index.ts';

const FIELDS = [
  'resources', 'namespace', 'namePrefix', 'nameSuffix', 'commonLabels', 'labels', 'commonAnnotations', 'images',
  'replicas', 'configMapGenerator', 'secretGenerator', 'generatorOptions', 'patches', 'replacements', 'sortOptions', 'components',
];

const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom('a.yaml', 'r.yaml', '../x', 'k=v', 'ConfigMap'));
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('name', 'kind', 'path', 'patch', 'pairs', 'literals', 'count', 'target', 'source', 'targets', 'order'), tie('node'), { maxKeys: 3 })),
})).node;
const kustomization = fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 4 });

const RESOURCE = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: v\n';

describe('robustness', () => {
  it('renders or refuses with InvalidInputError for arbitrary kustomization contents', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'tideline-render-fuzz-'));
    try {
      await writeFile(path.join(root, 'r.yaml'), RESOURCE);
      await fc.assert(
        fc.asyncProperty(kustomization, async (body) => {
          await writeFile(path.join(root, 'kustomization.yaml'), JSON.stringify(body));
          try {
            await renderKustomization({ root });
          } catch (error) {
            assert.ok(error instanceof InvalidInputError, `unexpected ${String(error)} for ${JSON.stringify(body)}`);
          }
        }),
        { numRuns: 150 },
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
