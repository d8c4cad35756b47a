// `tideline apply` against the real kube-apiserver: text and JSON change sets, exit codes, prune
// of a removed file, the empty-directory guard, an invalid object that leaves the cluster as it was, and a
// health wait that times out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getTestEnv, kubeContextName, useNamespace } from '#test/env/index.ts';
import { runTideline, tempDirFor, testClientFor } from './helpers.ts';

const configMapYaml = (ns: string, name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  key: ${value}\n`;

async function cliArgs(ns: string): Promise<string[]> {
  const env = await getTestEnv();
  return ['--kubeconfig', env.kube.kubeconfigPath, '--context', kubeContextName, '--name', ns];
}

test('tideline apply creates, then reports unchanged, then prunes a removed file, as text and JSON', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-apply-cli');
  const dir = await tempDirFor(t, 'tideline-apply-cli-');
  await writeFile(join(dir, 'a.yaml'), configMapYaml(ns, 'alpha', 'one'));
  await writeFile(join(dir, 'b.yaml'), configMapYaml(ns, 'beta', 'two'));
  const common = await cliArgs(ns);
  // Act
  const first = await runTideline(['apply', dir, ...common, '--prune']);
  const again = await runTideline(['apply', dir, ...common, '--prune', '--output', 'json']);
  await rm(join(dir, 'b.yaml'));
  const pruned = await runTideline(['apply', dir, ...common, '--prune', '-o', 'json']);
  // Assess
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`ConfigMap alpha in ns ${ns} created`));
  assert.match(first.stdout, /applied: created 2/);
  assert.equal(again.code, 0, again.stderr);
  const unchanged = JSON.parse(again.stdout) as { status: string; counts: Record<string, number> };
  assert.equal(unchanged.status, 'applied');
  assert.equal(unchanged.counts.Unchanged, 2);
  assert.equal(pruned.code, 0, pruned.stderr);
  const afterPrune = JSON.parse(pruned.stdout) as { entries: { object: { name: string }; action: string }[] };
  assert.deepEqual(afterPrune.entries.map((e) => `${e.object.name}:${e.action}`).sort(), ['alpha:Unchanged', 'beta:Deleted']);
});

test('tideline apply of a directory with an invalid object applies nothing and exits 2 naming it', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-apply-cli-bad');
  const client = await testClientFor(t);
  const dir = await tempDirFor(t, 'tideline-apply-cli-');
  await writeFile(join(dir, 'good.yaml'), configMapYaml(ns, 'good', 'fine'));
  await writeFile(
    join(dir, 'bad.yaml'),
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: ${ns}\nspec:\n  replicas: "two"\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers: [{name: main, image: nginx}]\n`,
  );
  // Act
  const result = await runTideline(['apply', dir, ...(await cliArgs(ns))]);
  // Assess
  assert.equal(result.code, 2);
  assert.match(result.stderr, new RegExp(`Deployment\\.apps web in ns ${ns}`));
  assert.match(result.stdout, /failed \(ValidationFailed\): nothing applied/);
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'good' }), undefined);
});

test('tideline apply refuses to prune everything for an empty directory unless --allow-empty', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-apply-cli-empty');
  const client = await testClientFor(t);
  const dir = await tempDirFor(t, 'tideline-apply-cli-');
  await writeFile(join(dir, 'a.yaml'), configMapYaml(ns, 'only', 'one'));
  const common = await cliArgs(ns);
  assert.equal((await runTideline(['apply', dir, ...common, '--prune'])).code, 0);
  await rm(join(dir, 'a.yaml'));
  // Act
  const refused = await runTideline(['apply', dir, ...common, '--prune']);
  const stillThere = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'only' });
  const allowed = await runTideline(['apply', dir, ...common, '--prune', '--allow-empty']);
  // Assess
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /empty/);
  assert.ok(stillThere, 'the refused run deleted nothing');
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stdout, new RegExp(`ConfigMap only in ns ${ns} deleted`));
});

test('tideline apply rejects an unknown output format before touching the cluster', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-apply-cli-out');
  const client = await testClientFor(t);
  const dir = await tempDirFor(t, 'tideline-apply-cli-');
  await writeFile(join(dir, 'a.yaml'), configMapYaml(ns, 'x', 'one'));
  // Act
  const result = await runTideline(['apply', dir, ...(await cliArgs(ns)), '--output', 'yaml']);
  // Assess
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--output must be text or json/);
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'x' }), undefined);
});

test('tideline apply --wait exits 2 when an object is not ready in time, naming it and its status', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-apply-cli-wait');
  const dir = await tempDirFor(t, 'tideline-apply-cli-wait-');
  await writeFile(
    join(dir, 'web.yaml'),
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: ${ns}\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers: [{name: main, image: nginx}]\n`,
  );
  // Act
  const result = await runTideline(['apply', dir, ...(await cliArgs(ns)), '--wait', '--timeout', '1s']);
  // Assess
  assert.equal(result.code, 2, result.stdout + result.stderr);
  assert.match(result.stdout, /Deployment\.apps web in ns .* created/);
  assert.match(result.stdout, /failed \(HealthCheckFailed\): created 1/);
  assert.match(result.stderr, new RegExp(`✗ Deployment\\.apps web in ns ${ns}: not ready \\(InProgress\\)`));
});

test('tideline apply --order refuses a revision older than the applied one and changes nothing', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-apply-cli-order');
  const client = await testClientFor(t);
  const dir = await tempDirFor(t, 'tideline-apply-cli-order-');
  await writeFile(join(dir, 'settings.yaml'), configMapYaml(ns, 'settings', 'new'));
  const newer = await runTideline(['apply', dir, ...(await cliArgs(ns)), '--revision', 'main@sha1:2222', '--order', '1767225600000']);
  await writeFile(join(dir, 'settings.yaml'), configMapYaml(ns, 'settings', 'old'));
  // Act
  const older = await runTideline(['apply', dir, ...(await cliArgs(ns)), '--revision', 'main@sha1:1111', '--order', '1767139200000']);
  const malformed = await runTideline(['apply', dir, ...(await cliArgs(ns)), '--order', '-5']);
  // Assess
  assert.equal(newer.code, 0, newer.stderr);
  assert.equal(older.code, 2);
  assert.match(older.stderr, /revision main@sha1:1111 \(order 1767139200000\) is older than the applied revision main@sha1:2222/);
  assert.equal(malformed.code, 2);
  assert.match(malformed.stderr, /--order must be a non-negative integer, not "-5"/);
  const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
  assert.deepEqual(live?.data, { key: 'new' });
});
