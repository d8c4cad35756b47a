import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { startPrivateKubeApiServer } from '#test/env/index.ts';

test('a private apiserver keeps its objects across a stop and a restart on the same address', async (t) => {
  // Prepare
  const apiserver = await startPrivateKubeApiServer();
  t.after(() => apiserver.stop());
  const core = apiserver.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'survivor' }, data: { kept: 'yes' } } });

  // Act
  await apiserver.stop();
  const whileDown = await core.readNamespacedConfigMap({ namespace: 'default', name: 'survivor' }).then(
    () => 'reachable',
    () => 'unreachable',
  );
  await apiserver.start();
  const afterRestart = await core.readNamespacedConfigMap({ namespace: 'default', name: 'survivor' });

  // Assess
  assert.equal(whileDown, 'unreachable');
  assert.equal(afterRestart.data?.['kept'], 'yes');
});
