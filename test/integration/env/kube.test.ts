import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ApiException, ApiextensionsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, VersionApi } from '@kubernetes/client-node';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { getTestEnv, useNamespace } from '#test/env/index.ts';

const execFileAsync = promisify(execFile);

function deployment(namespace: string, replicas: number): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    },
  };
}

async function serverSideApply<T extends KubernetesObject>(objects: KubernetesObjectApi, object: T, manager: string, force: boolean): Promise<T> {
  return objects.patch(object, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);
}

async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

test('the apiserver reports the pinned Kubernetes version', async () => {
  // Prepare
  const env = await getTestEnv();

  // Act
  const version = await env.kube.kubeConfig().makeApiClient(VersionApi).getCode();

  // Assess
  assert.equal(version.gitVersion, 'v1.34.4');
});

test('the apiserver certificate is rejected by a client that does not trust the test CA', async () => {
  // Prepare
  const env = await getTestEnv();
  const untrusting = new KubeConfig();
  untrusting.loadFromOptions({
    clusters: [{ name: 'c', server: env.kube.server, skipTLSVerify: false }],
    users: [{ name: 'u', token: env.kube.token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });

  // Act and assess
  await assert.rejects(untrusting.makeApiClient(CoreV1Api).readNamespace({ name: 'default' }), (error: Error) => {
    assert.match(String((error.cause as Error | undefined)?.message ?? error.message), /certificate/i);
    return true;
  });
});

test('kubectl reaches the cluster through the kubeconfig file', async () => {
  // Prepare
  const env = await getTestEnv();

  // Act
  const { stdout } = await execFileAsync(env.tools.kubectl, ['--kubeconfig', env.kube.kubeconfigPath, 'get', 'namespace', 'default', '-o', 'name']);

  // Assess
  assert.equal(stdout.trim(), 'namespace/default');
});

test('server-side apply records the tideline field manager in managedFields', async (t) => {
  // Prepare
  const env = await getTestEnv();
  const namespace = await useNamespace(t, 'ssa');
  const objects = KubernetesObjectApi.makeApiClient(env.kube.kubeConfig());

  // Act
  await serverSideApply(objects, deployment(namespace, 2), 'tideline', true);
  const read = await objects.read<V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace } });

  // Assess
  assert.equal(read.spec?.replicas, 2);
  const managers = (read.metadata?.managedFields ?? []).filter((entry) => entry.operation === 'Apply').map((entry) => entry.manager);
  assert.deepEqual(managers, ['tideline']);
});

test('a conflicting apply by a second field manager fails with 409 unless forced', async (t) => {
  // Prepare
  const env = await getTestEnv();
  const namespace = await useNamespace(t, 'conflict');
  const objects = KubernetesObjectApi.makeApiClient(env.kube.kubeConfig());
  await serverSideApply(objects, deployment(namespace, 2), 'tideline', true);

  // Act
  const conflict = await serverSideApply(objects, deployment(namespace, 5), 'someone-else', false).then(
    () => undefined,
    (error: unknown) => error,
  );
  const forced = await serverSideApply(objects, deployment(namespace, 5), 'someone-else', true);

  // Assess
  assert.ok(conflict instanceof ApiException, `expected an ApiException, got ${String(conflict)}`);
  assert.equal(conflict.code, 409);
  assert.equal(forced.spec?.replicas, 5);
});

test('a CRD becomes Established and a custom resource of it can be applied', async (t) => {
  // Prepare
  const env = await getTestEnv();
  const namespace = await useNamespace(t, 'crd');
  const kubeConfig = env.kube.kubeConfig();
  const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const group = `t${randomBytes(4).toString('hex')}.tideline.dev`;
  const crdName = `widgets.${group}`;
  t.after(() => extensions.deleteCustomResourceDefinition({ name: crdName }));
  await extensions.createCustomResourceDefinition({
    body: {
      metadata: { name: crdName },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } },
          },
        ],
      },
    },
  });

  // Act
  await eventually('the CRD to be Established', 20_000, async () => {
    const crd = await extensions.readCustomResourceDefinition({ name: crdName });
    return crd.status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True') ? true : undefined;
  });
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  const widget = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace }, spec: { size: 3 } };
  // Discovery of a just-established CRD can lag a moment behind its condition.
  const applied = await eventually('the custom resource to be applied', 20_000, () =>
    serverSideApply<KubernetesObject & { spec?: unknown }>(objects, widget, 'tideline', true).catch((error: unknown) => {
      if (error instanceof ApiException && error.code === 404) return undefined;
      if (error instanceof Error && /unable to find api/i.test(error.message)) return undefined;
      throw error;
    }),
  );

  // Assess
  assert.deepEqual(applied.spec, { size: 3 });
  assert.equal(typeof applied.metadata?.uid, 'string');
});

test('a namespace deleted after its test disappears together with its contents', async (t) => {
  // Prepare
  const env = await getTestEnv();
  const core = env.kube.kubeConfig().makeApiClient(CoreV1Api);
  let namespace = '';
  await t.test('a test that uses a namespace', async (inner) => {
    namespace = await useNamespace(inner, 'gone');
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'content' }, data: { a: 'b' } } });
  });

  // Act
  const gone = await eventually('the namespace to be deleted', 30_000, () =>
    core.readNamespace({ name: namespace }).then(
      () => undefined,
      (error: unknown) => (error instanceof ApiException && error.code === 404 ? true : Promise.reject(error)),
    ),
  );

  // Assess
  assert.equal(gone, true);
});
