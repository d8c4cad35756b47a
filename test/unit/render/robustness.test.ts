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
import { KNOWN_FIELDS } from '#shared/render/kustomize.ts';

const FIELDS = [...KNOWN_FIELDS];

const scalar = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('a.yaml', 'r.yaml', '../x', 'k=v', 'ConfigMap'),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('name', 'kind', 'path', 'patch', 'pairs', 'literals', 'count', 'target', 'source', 'targets', 'order'), tie('node'), {
      maxKeys: 3,
    }),
  ),
})).node;
const kustomization = fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 4 });

const RESOURCE = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: v\n';

/**
 * Writes each generated input into `root` and renders it; the only failure allowed is InvalidInputError.
 * `fixed` holds the files every run shares, `write` the generated one.
 */
async function assertRendersOrRefuses<T>(
  fixed: Record<string, string>,
  inputs: fc.Arbitrary<T>,
  write: (input: T) => [file: string, content: string],
): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'tideline-render-fuzz-'));
  try {
    for (const [file, content] of Object.entries(fixed)) await writeFile(path.join(root, file), content);
    await fc.assert(
      fc.asyncProperty(inputs, async (input) => {
        const [file, content] = write(input);
        await writeFile(path.join(root, file), content);
        try {
          await renderKustomization({ root });
        } catch (error) {
          assert.ok(error instanceof InvalidInputError, `unexpected ${String(error)} for ${content}`);
        }
      }),
      { numRuns: 150 },
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

describe('robustness', () => {
  it('renders or refuses with InvalidInputError for arbitrary kustomization contents', async () => {
    // Prepare
    const fixed = { 'r.yaml': RESOURCE };

    // Act / Assess: every generated kustomization is rendered and only InvalidInputError may escape
    await assertRendersOrRefuses(fixed, kustomization, (body) => ['kustomization.yaml', JSON.stringify(body)]);
  });

  it('renders or refuses with InvalidInputError for arbitrary objects under every transformer', async () => {
    // Prepare
    const object = fc.record(
      {
        apiVersion: fc.oneof(fc.constantFrom('v1', 'apps/v1', 'rbac.authorization.k8s.io/v1'), value),
        kind: fc.oneof(fc.constantFrom('ConfigMap', 'Deployment', 'RoleBinding', 'Service', 'List'), value),
        metadata: fc.oneof(
          fc.record({ name: fc.oneof(fc.constantFrom('a', 'b'), value), labels: value, annotations: value, namespace: value }, { requiredKeys: ['name'] }),
          value,
        ),
        spec: value,
        data: value,
        subjects: value,
        items: value,
      },
      { requiredKeys: ['apiVersion', 'kind', 'metadata'] },
    );
    const KUSTOMIZATION = [
      'resources: [r.yaml]',
      'namespace: ns',
      'namePrefix: p-',
      'commonLabels: {app: x}',
      'commonAnnotations: {note: n}',
      'images: [{name: nginx, newTag: "2"}]',
      'replicas: [{name: a, count: 2}]',
      'configMapGenerator: [{name: a, literals: [k=v]}]',
    ].join('\n');

    // Act / Assess: every generated resource list is rendered and only InvalidInputError may escape
    await assertRendersOrRefuses({ 'kustomization.yaml': KUSTOMIZATION }, fc.array(object, { minLength: 1, maxLength: 3 }), (objects) => [
      'r.yaml',
      objects.map((o) => JSON.stringify(o)).join('\n---\n'),
    ]);
  });
});
