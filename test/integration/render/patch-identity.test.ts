/**
 * A strategic-merge patch selected by a `target` addresses the objects the target selects: it
 * changes their content, never their kind or apiVersion — checked against the real `kustomize`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { renderKustomization } from '#shared/render/index.ts';
import { getTestEnv } from '#test/env/index.ts';

const run = promisify(execFile);

const deployment = (name: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: app
        image: nginx
`;

describe('a targeted strategic-merge patch keeps the identity of what it patches', () => {
  it('a patch saying kind: Service, apiVersion: v1 applied to Deployments by a name target leaves them apps/v1 Deployments, as kustomize does', async (t) => {
    // Prepare
    const { tools } = await getTestEnv();
    const root = await mkdtemp(path.join(tmpdir(), 'tideline-patch-identity-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    await mkdir(path.join(root, 'app'));
    await writeFile(path.join(root, 'app', 'web.yaml'), deployment('web-a') + '---\n' + deployment('web-b'));
    await writeFile(
      path.join(root, 'app', 'kustomization.yaml'),
      'resources:\n- web.yaml\npatches:\n- target:\n    name: web-.*\n  patch: |\n    apiVersion: v1\n    kind: Service\n    metadata:\n      name: ignored\n      annotations:\n        patched: "yes"\n',
    );
    const expected = (await run(tools.kustomize, ['build', path.join(root, 'app')], { timeout: 30_000 })).stdout;

    // Act
    const rendered = await renderKustomization({ root, path: 'app' });

    // Assess
    assert.equal(rendered.yaml, expected);
    assert.deepEqual(
      rendered.objects.map((o) => `${o.apiVersion} ${o.kind} ${o.name}`),
      ['apps/v1 Deployment web-a', 'apps/v1 Deployment web-b'],
    );
  });
});
