// Diff of objects written with the real kubectl binary before: the diff shows what the takeover of
// kubectl's fields will remove, and the apply that follows removes exactly that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffObjects, reconcileObjects } from '#shared/kube/index.ts';
import type { KubeObject } from '#shared/kube/index.ts';
import { getTestEnv, kubeContextName, useNamespace } from '#test/env/index.ts';
import { configMap, deployment, ownedNamespace, ownerFor, secret, testClientFor } from './helpers.ts';

function run(file: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 99) : 0, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

/** Runs the reference kubectl against the test cluster with `manifest` on stdin; fails the test if kubectl does. */
async function kubectlApply(manifest: KubeObject, ...flags: string[]): Promise<void> {
  const env = await getTestEnv();
  const result = await run(env.tools.kubectl, ['--kubeconfig', env.kube.kubeconfigPath, 'apply', ...flags, '-f', '-'], JSON.stringify(manifest));
  assert.equal(result.code, 0, result.stderr);
}

const CONFIG_MAP_REF = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });

test('after a client-side kubectl apply, diff shows the key Git lacks and the last-applied annotation removed, as the apply then does', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-diff-csa');
  await kubectlApply(configMap(ns, 'settings', { a: '1', b: '2' }));
  // Act
  const diff = await diffObjects(client, { owner, objects: [configMap(ns, 'settings', { a: '1' })] });
  const applied = await reconcileObjects(client, { owner, revision: 'r1', objects: [configMap(ns, 'settings', { a: '1' })] });
  const again = await diffObjects(client, { owner, objects: [configMap(ns, 'settings', { a: '1' })] });
  // Assess
  assert.deepEqual(diff.errors, []);
  assert.equal(diff.objects[0]?.action, 'Configured');
  assert.match(diff.objects[0]?.diff ?? '', /^- {2}b: '2'$/m);
  assert.match(diff.objects[0]?.diff ?? '', /^- +kubectl\.kubernetes\.io\/last-applied-configuration: /m);
  assert.doesNotMatch(diff.objects[0]?.diff ?? '', /^[+ ] +kubectl\.kubernetes\.io\/last-applied-configuration: /m);
  assert.equal(applied.failure, undefined, JSON.stringify(applied.changeSet.errors));
  const live = await client.get(CONFIG_MAP_REF(ns, 'settings'));
  assert.deepEqual(live?.data, { a: '1' });
  assert.equal(live?.metadata.annotations, undefined);
  assert.equal(again.objects[0]?.action, 'Unchanged', again.objects[0]?.diff);
});

test('after kubectl apply --server-side, diff shows the label and the env var Git lacks removed, as the apply then does', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-diff-ssa');
  const byHand = deployment(ns, 'web');
  byHand.metadata.labels = { team: 'blue' };
  const main = (byHand.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0] as Record<string, unknown>;
  main.env = [
    { name: 'KEPT', value: 'yes' },
    { name: 'DEBUG', value: 'true' },
  ];
  await kubectlApply(byHand, '--server-side');
  const git = deployment(ns, 'web');
  ((git.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0] as Record<string, unknown>).env = [
    { name: 'KEPT', value: 'yes' },
  ];
  // Act
  const diff = await diffObjects(client, { owner, objects: [structuredClone(git)] });
  const applied = await reconcileObjects(client, { owner, revision: 'r1', objects: [structuredClone(git)] });
  const again = await diffObjects(client, { owner, objects: [structuredClone(git)] });
  // Assess
  assert.equal(diff.objects[0]?.action, 'Configured');
  const text = diff.objects[0]?.diff ?? '';
  assert.match(text, /^- +team: blue$/m);
  assert.match(text, /^- +- name: DEBUG$/m);
  assert.doesNotMatch(text, /^-.*KEPT/m);
  assert.equal(applied.failure, undefined, JSON.stringify(applied.changeSet.errors));
  const live = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
  assert.equal(live?.metadata.labels?.team, undefined);
  assert.deepEqual((live?.spec as { template: { spec: { containers: { env?: unknown }[] } } }).template.spec.containers[0]?.env, [
    { name: 'KEPT', value: 'yes' },
  ]);
  assert.equal(again.objects[0]?.action, 'Unchanged', again.objects[0]?.diff);
});

test('a Secret key kubectl added shows as removed with its value masked, and the last-applied copy of the values never shows', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-diff-secret');
  const client = await testClientFor(t);
  await kubectlApply(secret(ns, 'creds', { user: 'admin-name', token: 'hand-made-t0ken' }));
  // Act
  const diff = await diffObjects(client, { owner: ownerFor(ns), objects: [secret(ns, 'creds', { user: 'admin-name' })] });
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [secret(ns, 'creds', { user: 'admin-name' })] });
  // Assess
  assert.equal(diff.objects[0]?.action, 'Configured');
  const text = diff.objects[0]?.diff ?? '';
  assert.match(text, /^- {2}token: '\*\*\* \(before\)'$/m);
  assert.match(text, /^- +kubectl\.kubernetes\.io\/last-applied-configuration: '\*\*\*'$/m);
  assert.doesNotMatch(text, /admin-name|hand-made-t0ken|YWRtaW4tbmFtZQ|aGFuZC1tYWRlLXQwa2Vu/);
  const live = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'creds' });
  assert.deepEqual(Object.keys((live?.data ?? {}) as object), ['user']);
});

test('an object annotated ssa: Merge keeps the key kubectl added: the diff shows no removal, nor does the apply make one', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-diff-merge');
  await kubectlApply(configMap(ns, 'merged', { a: '1', b: '2' }), '--server-side');
  const git = configMap(ns, 'merged', { a: '1' });
  git.metadata.annotations = { 'kustomize.toolkit.fluxcd.io/ssa': 'Merge' };
  // Act
  const diff = await diffObjects(client, { owner, objects: [structuredClone(git)] });
  await reconcileObjects(client, { owner, revision: 'r1', objects: [structuredClone(git)] });
  // Assess
  assert.deepEqual(diff.errors, []);
  assert.doesNotMatch(diff.objects[0]?.diff ?? '', /^- /m);
  assert.deepEqual((await client.get(CONFIG_MAP_REF(ns, 'merged')))?.data, { a: '1', b: '2' });
});

test('a kubectl server-side apply of exactly the Git values is Configured with no value changes, as the apply reports it', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-diff-same');
  await reconcileObjects(client, { owner, revision: 'r1', objects: [configMap(ns, 'settings', { a: '1' })] });
  await kubectlApply(configMap(ns, 'settings', { a: '1' }), '--server-side');
  // Act
  const diff = await diffObjects(client, { owner, objects: [configMap(ns, 'settings', { a: '1' })] });
  const applied = await reconcileObjects(client, { owner, revision: 'r2', objects: [configMap(ns, 'settings', { a: '1' })] });
  // Assess
  assert.deepEqual(
    diff.objects.map((o) => [o.action, o.diff, o.message]),
    [['Configured', '', 'fields written with kubectl are taken over; no value changes']],
  );
  assert.deepEqual(
    applied.changeSet.entries.map((e) => e.action),
    ['Configured'],
  );
});

test('tideline diff exits 1 and prints the removal of a key kubectl added, then 0 once applied', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-diff-takeover-cli');
  const env = await getTestEnv();
  await kubectlApply(configMap(ns, 'settings', { a: '1', b: '2' }));
  const dir = await mkdtemp(join(tmpdir(), 'tideline-diff-takeover-'));
  await writeFile(join(dir, 'settings.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata:\n  a: "1"\n`);
  const common = ['--kubeconfig', env.kube.kubeconfigPath, '--context', kubeContextName, '--name', ns];
  // Act
  const before = await run(process.execPath, ['shared/cli/main.ts', 'diff', dir, ...common]);
  const applied = await run(process.execPath, ['shared/cli/main.ts', 'apply', dir, ...common]);
  const after = await run(process.execPath, ['shared/cli/main.ts', 'diff', dir, ...common]);
  // Assess
  assert.equal(before.code, 1, before.stderr);
  assert.match(before.stdout, /ConfigMap settings in ns .* drifted/);
  assert.match(before.stdout, /^- {2}b: '2'$/m);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(after.code, 0, after.stdout + after.stderr);
});
