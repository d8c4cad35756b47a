// `tideline drift` against the shared API server, over what a local run applied (the bundles and
// fleet snapshot of its data directory): exit 1 with the changed fields printed, `--correct` puts
// it back and a second run exits 0; a cluster whose token is refused exits 2, naming the cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getTestEnv, useNamespace } from '#test/env/index.ts';
import { configMap, runTideline } from '../kube/helpers.ts';
import { createDriftFleet } from './fleet-fixture.ts';

test('tideline drift reports the changed field (exit 1), --correct puts it back, and then there is none (exit 0)', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'drift-cli');
  const env = await getTestEnv();
  const fleet = await createDriftFleet([{ name: 'dev', server: env.kube.server, caData: env.kube.caData, token: env.kube.token }]);
  t.after(() => fleet.close());
  await fleet.deploy('dev', { name: ns, objects: [configMap(ns, 'settings', { level: 'info' })] });
  const editor = await fleet.client('dev', 'kubectl-edit');
  await editor.send('PATCH', `/api/v1/namespaces/${ns}/configmaps/settings`, {
    query: { fieldManager: 'kubectl-edit' },
    body: JSON.stringify({ data: { level: 'debug' } }),
    contentType: 'application/merge-patch+json',
  });
  const args = ['drift', '--kubeconfig', fleet.kubeconfigPath, '--data-dir', fleet.dataDir, '--context', 'dev'];
  // Act
  const detected = await runTideline(args);
  const corrected = await runTideline([...args, '--correct']);
  const after = await runTideline(args);
  // Assess
  assert.equal(detected.code, 1, detected.stderr);
  assert.match(detected.stdout, /ConfigMap\/.*\/settings modified\n\s+data\.level: info → debug \(by kubectl-edit\)/);
  assert.equal(corrected.code, 1, corrected.stderr);
  assert.match(corrected.stdout, /re-applied/);
  assert.equal(after.code, 0, `${after.stdout}${after.stderr}`);
  assert.match(after.stdout, /in sync/);
});

test('tideline drift exits 2 naming a cluster whose credentials are refused', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'drift-cli-revoked');
  const env = await getTestEnv();
  const fleet = await createDriftFleet([
    { name: 'good', server: env.kube.server, caData: env.kube.caData, token: env.kube.token },
    { name: 'revoked', server: env.kube.server, caData: env.kube.caData, token: 'revoked-token' },
  ]);
  t.after(() => fleet.close());
  await fleet.deploy('revoked', { name: ns, applyThrough: 'good', objects: [configMap(ns, 'settings', { level: 'info' })] });
  // Act
  const result = await runTideline(['drift', '--kubeconfig', fleet.kubeconfigPath, '--data-dir', fleet.dataDir]);
  // Assess
  assert.equal(result.code, 2, result.stdout);
  assert.match(result.stderr, /revoked: Unauthorized: /);
});
