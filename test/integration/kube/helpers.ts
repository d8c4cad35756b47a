// Shared helpers of the apply engine's integration tests: a client for the test cluster, a clock
// that never sleeps, and small object factories.
import type { TestContext } from 'node:test';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '#shared/ports/index.ts';
import { ClusterClient, endpointFromKubeconfigFile, reconcileObjects } from '#shared/kube/index.ts';
import type { ClusterClientOptions, KubeApi, KubeObject, ReconcileRequest, ReconcileResult } from '#shared/kube/index.ts';
import { getTestEnv, useNamespace } from '#test/env/index.ts';

/** A client of the shared test cluster (TLS verified, token user). */
export async function testClient(options: ClusterClientOptions = {}): Promise<ClusterClient> {
  const env = await getTestEnv();
  return new ClusterClient(await endpointFromKubeconfigFile(env.kube.kubeconfigPath, undefined), options);
}

/** A client closed when the test ends. */
export async function testClientFor(t: TestContext, options: ClusterClientOptions = {}): Promise<ClusterClient> {
  const client = await testClient(options);
  t.after(() => client.close());
  return client;
}

/** A clock whose sleep advances time at once; `onSleep` runs on every sleep (e.g. to play a controller). */
export function instantClock(onSleep?: (now: number) => Promise<void> | void): Clock & { slept: number } {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = {
    slept: 0,
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
      clock.slept += ms;
      await onSleep?.(now);
    },
  };
  return clock;
}

export function configMap(namespace: string, name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

export function secret(namespace: string, name: string, stringData: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', stringData };
}

export function deployment(namespace: string, name: string, image = 'nginx:1.27', app = name): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'main', image, ports: [{ containerPort: 8080 }] }] } },
    },
  };
}

export function service(namespace: string, name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } };
}

/** The one version of {@link crd} unless a test names its own: v1, served and stored, open schema, a status subresource. */
const OPEN_V1 = [
  {
    name: 'v1',
    served: true,
    storage: true,
    schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    subresources: { status: {} },
  },
];

/** A namespaced CRD `<plural>.<group>` of kind `kind`, serving `versions` (by default an open-schema v1). */
export function crd(group: string, kind: string, plural: string, versions: unknown[] = OPEN_V1): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions,
    },
  };
}

/** Plays the Deployment controller: writes a status saying one replica of the live generation is ready. */
export async function reportDeploymentReady(client: ClusterClient, ref: { apiVersion: string; kind: string; namespace: string; name: string }): Promise<void> {
  const live = await client.get(ref);
  await client.patchStatus(ref, { observedGeneration: live?.metadata.generation, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 });
}

/** A fresh namespace for one test, a client of the test cluster closed when the test ends, and the owner of what the test applies. */
export async function ownedNamespace(
  t: TestContext,
  prefix: string,
): Promise<{ ns: string; client: ClusterClient; owner: { name: string; namespace: string } }> {
  const ns = await useNamespace(t, prefix);
  const client = await testClientFor(t);
  return { ns, client, owner: ownerFor(ns) };
}

/** A unique-enough owner for one test (the test namespace is unique). */
export function ownerFor(namespace: string): { name: string; namespace: string } {
  return { name: namespace, namespace: 'flux-system' };
}

/** A client of the test cluster and a second one writing as field manager `fieldManager`, both closed after the test. */
export async function clientAndManager(t: TestContext, fieldManager: string): Promise<{ client: ClusterClient; other: ClusterClient }> {
  const client = await testClient();
  const other = new ClusterClient(client.endpoint, { fieldManager });
  t.after(() => (client.close(), other.close()));
  return { client, other };
}

/** The action of each entry of a reconcile's change set, in order. */
export function actionsOf(result: ReconcileResult): string[] {
  return result.changeSet.entries.map((e) => e.action);
}

/** Reconciles `objects` as the owner of test namespace `ns` at `revision`, with any further request fields. */
export function reconcileAs(
  client: KubeApi,
  ns: string,
  revision: string,
  objects: KubeObject[],
  more: Omit<ReconcileRequest, 'owner' | 'revision' | 'objects'> = {},
): Promise<ReconcileResult> {
  return reconcileObjects(client, { owner: ownerFor(ns), revision, objects, ...more });
}

/** Reconciles `objects` as the owner of test namespace `ns` and waits up to a minute of `clock` for them to be ready. */
export function reconcileAndWait(client: KubeApi, ns: string, clock: Clock, objects: KubeObject[]): Promise<ReconcileResult> {
  return reconcileAs(client, ns, 'r1', objects, { wait: true, timeoutMs: 60_000, clock });
}

/** Runs the `tideline` command line (`shared/cli/main.ts`) with `args` (and `env`, default this process's); never rejects. */
export function runTideline(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['shared/cli/main.ts', ...args], { timeout: 60_000, ...(env ? { env } : {}) }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 99) : 0, stdout, stderr });
    });
  });
}

/** A fresh temporary directory, removed when the test ends. */
export async function tempDirFor(t: Pick<TestContext, 'after'>, prefix = 'tideline-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
