import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { getTestEnv, useNamespace } from '#test/env/index.ts';

test('a namespace created for a test is readable through the kubeconfig', async (t) => {
  const env = await getTestEnv();
  const ns = await useNamespace(t, 'smoke');
  const core = env.kube.kubeConfig().makeApiClient(CoreV1Api);
  const read = await core.readNamespace({ name: ns });
  assert.equal(read.metadata?.name, ns);
});
