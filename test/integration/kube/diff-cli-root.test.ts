// `tideline apply` and `tideline diff` of an overlay as a new user runs them, against the real
// kube-apiserver: the enclosing Git repository is the root (as for `tideline render`), and a
// creation diff shows no server-allocated fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diffObjects } from '#shared/kube/index.ts';
import { getTestEnv, kubeContextName, useNamespace } from '#test/env/index.ts';
import { ownerFor, runTideline, service, tempDirFor, testClientFor } from './helpers.ts';

test('tideline diff and apply of an overlay reaching ../base take the enclosing Git repository as the root', async (t) => {
  // Prepare: a repository with apps/base and apps/dev (resources: [../base]); .git marks its root.
  const ns = await useNamespace(t, 'kube-cli-root');
  const env = await getTestEnv();
  const repo = await tempDirFor(t, 'tideline-cli-root-');
  await mkdir(join(repo, '.git'));
  await mkdir(join(repo, 'apps', 'base'), { recursive: true });
  await mkdir(join(repo, 'apps', 'dev'), { recursive: true });
  await writeFile(join(repo, 'apps', 'base', 'kustomization.yaml'), 'resources:\n- cm.yaml\n');
  await writeFile(
    join(repo, 'apps', 'base', 'cm.yaml'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata:\n  key: base\n`,
  );
  await writeFile(join(repo, 'apps', 'dev', 'kustomization.yaml'), 'resources:\n- ../base\nnameSuffix: -dev\n');
  const common = ['--kubeconfig', env.kube.kubeconfigPath, '--context', kubeContextName, '--name', ns];
  // Act
  const diff = await runTideline(['diff', join(repo, 'apps', 'dev'), ...common]);
  const apply = await runTideline(['apply', join(repo, 'apps', 'dev'), ...common]);
  const confined = await runTideline(['diff', join(repo, 'apps', 'dev'), '--root', join(repo, 'apps', 'dev'), ...common]);
  // Assess
  assert.equal(diff.code, 1, diff.stderr);
  assert.match(diff.stdout, new RegExp(`ConfigMap settings-dev in ns ${ns} created`));
  assert.equal(apply.code, 0, apply.stderr);
  assert.match(apply.stdout, /applied: created 1/);
  assert.equal(confined.code, 2);
  assert.match(confined.stderr, /points outside the repository root/);
});

test('a creation diff of a Service leaves out the cluster IP the dry-run allocates', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-diff-alloc');
  const client = await testClientFor(t);
  // Act
  const result = await diffObjects(client, { owner: ownerFor(ns), objects: [service(ns, 'web')] });
  // Assess
  assert.deepEqual(result.errors, []);
  assert.equal(result.objects[0]?.action, 'Created');
  assert.match(result.objects[0]?.diff ?? '', /targetPort/);
  assert.doesNotMatch(result.objects[0]?.diff ?? '', /clusterIP/);
});

test('tideline diff reads a credential file outside the kubeconfig directory only from a --credential-dir', async (t) => {
  // Prepare: the kubeconfig in one directory, its token file in another.
  const ns = await useNamespace(t, 'kube-cli-creds');
  const env = await getTestEnv();
  const dir = await tempDirFor(t, 'tideline-cli-creds-');
  await mkdir(join(dir, 'kube'));
  await mkdir(join(dir, 'creds'));
  await writeFile(join(dir, 'creds', 'token'), `${env.kube.token}\n`);
  await writeFile(
    join(dir, 'kube', 'config'),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: env.kube.server, 'certificate-authority-data': env.kube.caData } }],
      users: [{ name: 'u', user: { tokenFile: '../creds/token' } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
    }),
  );
  await mkdir(join(dir, 'app'));
  await writeFile(join(dir, 'app', 'cm.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\n`);
  const common = ['--kubeconfig', join(dir, 'kube', 'config'), '--name', ns];
  // Act
  const refused = await runTideline(['diff', join(dir, 'app'), ...common]);
  const allowed = await runTideline(['diff', join(dir, 'app'), ...common, '--credential-dir', join(dir, 'creds')]);
  // Assess
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /"tokenFile" file .* is outside the directories credential files may be read from/);
  assert.equal(allowed.code, 1, allowed.stderr);
  assert.match(allowed.stdout, /ConfigMap settings in ns .* created/);
});
