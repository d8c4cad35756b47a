// An API server that goes away in the middle of an apply: the run ends with a typed transient
// error, prunes nothing, and the next run converges with every object in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransientError } from '#shared/errors/index.ts';
import { ClusterClient, endpointFromKubeconfigFile, readInventory, reconcileObjects } from '#shared/kube/index.ts';
import type { KubeObject } from '#shared/kube/index.ts';
import { startPrivateKubeApiServer } from '#test/env/index.ts';
import { configMap } from './helpers.ts';

test('an apiserver stopped mid-apply gives a TransientError and the next run converges', async (t) => {
  // Prepare
  const server = await startPrivateKubeApiServer();
  t.after(() => server.stop());
  const client = new ClusterClient(await endpointFromKubeconfigFile(server.kubeconfigPath, undefined), { maxAttempts: 2, requestTimeoutMs: 5_000 });
  t.after(() => client.close());
  const owner = { name: 'interrupted', namespace: 'flux-system' };
  const objects: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }];
  for (let i = 0; i < 400; i++) objects.push(configMap('shop', `cm-${i}`, { index: String(i) }));
  await reconcileObjects(client, { owner, revision: 'r1', prune: true, objects: [configMap('default', 'earlier', { a: '1' })] });
  // Act
  // Settle into a value at once: the rejection arrives while the server is being stopped.
  const interrupted = reconcileObjects(client, { owner, revision: 'r2', prune: true, objects }).then(
    () => 'resolved',
    (error: unknown) => error,
  );
  while ((client.requestsByVerb.get('PATCH ConfigMap') ?? 0) < 20) await new Promise((resolve) => setTimeout(resolve, 5));
  await server.stop();
  const outcome = await interrupted;
  await server.start();
  const earlierAfterFailure = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'earlier' });
  const next = await reconcileObjects(client, { owner, revision: 'r2', prune: true, objects });
  // Assess
  assert.ok(outcome instanceof TransientError, `expected a TransientError, got ${String(outcome)}`);
  assert.ok(earlierAfterFailure, 'the failed run pruned nothing');
  assert.equal(next.failure, undefined, JSON.stringify(next.changeSet.errors.slice(0, 3)));
  const listed = await client.list('v1', 'ConfigMap', { namespace: 'shop', labelSelector: 'tideline.dev/name=interrupted' });
  assert.equal(listed.length, 400);
  assert.equal(next.changeSet.entries.filter((e) => e.action === 'Deleted').length, 1);
  assert.equal((await readInventory(client, owner))?.entries.length, 401);
});
