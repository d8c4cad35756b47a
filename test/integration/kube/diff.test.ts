// Diff against the real kube-apiserver: the library call and the `tideline diff` command
// (exit codes 0 / 1 / 2), with Secret values never printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffObjects, reconcileObjects } from '#shared/kube/index.ts';
import { getTestEnv, kubeContextName, useNamespace } from '#test/env/index.ts';
import { configMap, ownedNamespace, runTideline, secret, tempDirFor } from './helpers.ts';

test('diff reports a changed Secret with its values masked', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-diff');
  await reconcileObjects(client, { owner, revision: 'r1', objects: [secret(ns, 'creds', { password: 'old-s3cret' }), configMap(ns, 'same', { a: '1' })] });
  // Act
  const result = await diffObjects(client, { owner, objects: [secret(ns, 'creds', { password: 'new-s3cret' }), configMap(ns, 'same', { a: '1' })] });
  // Assess
  assert.deepEqual(result.objects.map((o) => `${o.object.name}:${o.action}`).sort(), ['creds:Configured', 'same:Unchanged']);
  const text = result.objects.map((o) => o.diff).join('\n');
  assert.match(text, /\*\*\* \(after\)/);
  assert.doesNotMatch(text, /s3cret|c3MzY3JldA|bmV3LXMzY3JldA|b2xkLXMzY3JldA/);
});

test('tideline diff exits 1 with changes, 0 without, and 2 on an invalid object', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-diff-cli');
  const env = await getTestEnv();
  const dir = await mkdtemp(join(tmpdir(), 'tideline-diff-'));
  const write = (data: string): Promise<void> =>
    writeFile(
      join(dir, 'app.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${data}\n  namespace: ${ns}\ndata:\n  key: value\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: token\n  namespace: ${ns}\nstringData:\n  token: very-secret-value\n`,
    );
  await write('settings');
  const common = ['--kubeconfig', env.kube.kubeconfigPath, '--context', kubeContextName, '--name', ns];
  // Act
  const before = await runTideline(['diff', dir, ...common]);
  const applied = await runTideline(['apply', dir, ...common]);
  const after = await runTideline(['diff', dir, ...common]);
  await write('Not_Valid');
  const invalid = await runTideline(['diff', dir, ...common]);
  // Assess
  assert.equal(before.code, 1, before.stderr);
  assert.match(before.stdout, /ConfigMap settings in ns .* created/);
  assert.doesNotMatch(before.stdout + applied.stdout + after.stdout, /very-secret-value|dmVyeS1zZWNyZXQtdmFsdWU/);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(after.code, 0, after.stdout + after.stderr);
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /ConfigMap Not_Valid in ns/);
});

test('tideline diff --target-namespace overrides the namespace of every namespaced object, as Flux does', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-diff-target');
  const env = await getTestEnv();
  const dir = await mkdtemp(join(tmpdir(), 'tideline-diff-target-'));
  await writeFile(
    join(dir, 'app.yaml'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: placed\n  namespace: elsewhere\ndata:\n  key: value\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unplaced\ndata:\n  key: value\n`,
  );
  // Act
  const result = await runTideline([
    'diff',
    dir,
    '--kubeconfig',
    env.kube.kubeconfigPath,
    '--context',
    kubeContextName,
    '--name',
    ns,
    '--target-namespace',
    ns,
  ]);
  // Assess
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, new RegExp(`ConfigMap placed in ns ${ns} created`));
  assert.match(result.stdout, new RegExp(`ConfigMap unplaced in ns ${ns} created`));
  assert.doesNotMatch(result.stdout, /elsewhere/);
});

test('tideline diff --output json prints every object with its action and masked diff, keeping the exit codes', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-diff-json');
  const env = await getTestEnv();
  const dir = await tempDirFor(t, 'tideline-diff-json-');
  await writeFile(
    join(dir, 'app.yaml'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata:\n  key: value\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: token\n  namespace: ${ns}\nstringData:\n  token: very-secret-value\n`,
  );
  const common = ['--kubeconfig', env.kube.kubeconfigPath, '--context', kubeContextName, '--name', ns, '--output', 'json'];
  // Act
  const before = await runTideline(['diff', dir, ...common]);
  await runTideline(['apply', dir, ...common]);
  const after = await runTideline(['diff', dir, ...common]);
  // Assess
  assert.equal(before.code, 1, before.stderr);
  const parsed = JSON.parse(before.stdout) as { changed: boolean; objects: { object: { name: string }; action: string; diff: string }[]; errors: unknown[] };
  assert.equal(parsed.changed, true);
  assert.deepEqual(parsed.objects.map((o) => `${o.object.name}:${o.action}`).sort(), ['settings:Created', 'token:Created']);
  assert.doesNotMatch(before.stdout, /very-secret-value|dmVyeS1zZWNyZXQtdmFsdWU/);
  assert.equal(after.code, 0, after.stderr);
  assert.equal((JSON.parse(after.stdout) as { changed: boolean }).changed, false);
});

test('diff with prune lists what the prune would delete and what its guards keep, and deletes nothing', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-diff-prune');
  const guarded = configMap(ns, 'guarded', { c: '3' });
  guarded.metadata.annotations = { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };
  await reconcileObjects(client, {
    owner,
    revision: 'r1',
    prune: true,
    objects: [configMap(ns, 'keep', { a: '1' }), configMap(ns, 'drop', { b: '2' }), guarded, configMap(ns, 'gone', { d: '4' })],
  });
  await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'gone' });
  const next = [configMap(ns, 'keep', { a: '1' })];
  // Act
  const withPrune = await diffObjects(client, { owner, objects: next, prune: true });
  const without = await diffObjects(client, { owner, objects: next });
  const invalid = await diffObjects(client, { owner, objects: [configMap(ns, 'Not_Valid', { a: '1' })], prune: true });
  // Assess
  assert.deepEqual(withPrune.objects.map((o) => `${o.object.name}:${o.action}${o.message ? ` (${o.message})` : ''}`).sort(), [
    'drop:Deleted',
    'guarded:Skipped (annotated kustomize.toolkit.fluxcd.io/prune: disabled)',
    'keep:Unchanged',
  ]);
  assert.deepEqual(
    without.objects.map((o) => `${o.object.name}:${o.action}`),
    ['keep:Unchanged'],
  );
  assert.equal(invalid.errors.length, 1);
  assert.ok(!invalid.objects.some((o) => o.action === 'Deleted'), 'no prune is shown when the set does not apply');
  assert.ok(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'drop' }), 'diff deleted nothing');
});

test('tideline diff --prune exits 1 and prints the objects a prune would delete', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-diff-prune-cli');
  const env = await getTestEnv();
  const dir = await tempDirFor(t, 'tideline-diff-prune-');
  const write = (names: string[]) =>
    writeFile(
      join(dir, 'app.yaml'),
      names.map((name) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  key: value\n`).join('---\n'),
    );
  const common = ['--kubeconfig', env.kube.kubeconfigPath, '--context', kubeContextName, '--name', ns];
  await write(['keep', 'old']);
  await runTideline(['apply', dir, ...common, '--prune']);
  await write(['keep']);
  // Act
  const plain = await runTideline(['diff', dir, ...common]);
  const pruning = await runTideline(['diff', dir, ...common, '--prune']);
  // Assess
  assert.equal(plain.code, 0, plain.stdout + plain.stderr);
  assert.equal(pruning.code, 1, pruning.stderr);
  assert.match(pruning.stdout, new RegExp(`► ConfigMap old in ns ${ns} deleted`));
  assert.doesNotMatch(pruning.stdout, /ConfigMap keep/);
});
