// Kubeconfig lists as kubectl reads them, against the real kube-apiserver: the files of KUBECONFIG
// merged (first definition of a name wins, missing files skipped), each file's relative references
// resolved against its own directory, and the CLI finding a context that only a later file defines.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { ClusterClient, endpointFromKubeconfigFile, loadKubeconfig } from '#shared/kube/index.ts';
import { getTestEnv, useNamespace } from '#test/env/index.ts';
import { runTideline, tempDirFor } from './helpers.ts';

/**
 * Two kubeconfig files in directories of their own. The first defines cluster `shared` (pointing
 * nowhere), context `first` and the current context; the second defines `shared` again (ignored:
 * the first file's wins), the real cluster with its CA as a relative file, a user whose token is a
 * relative `tokenFile`, context `second`, and a current context of its own (ignored too).
 */
async function twoFiles(t: TestContext): Promise<{ first: string; second: string }> {
  const env = await getTestEnv();
  const root = await tempDirFor(t, 'tideline-kubeconfig-');
  const [a, b] = [join(root, 'a'), join(root, 'b')];
  await mkdir(join(b, 'pki'), { recursive: true });
  await mkdir(a);
  await writeFile(join(b, 'pki', 'ca.crt'), Buffer.from(env.kube.caData, 'base64'));
  await writeFile(join(b, 'token'), `${env.kube.token}\n`);
  const first = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'first',
    clusters: [{ name: 'shared', cluster: { server: 'https://127.0.0.1:1' } }],
    users: [{ name: 'nobody', user: { token: 'not-a-valid-token' } }],
    contexts: [{ name: 'first', context: { cluster: 'shared', user: 'nobody' } }],
  };
  const second = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'second',
    clusters: [
      { name: 'shared', cluster: { server: env.kube.server, 'certificate-authority': 'pki/ca.crt' } },
      { name: 'real', cluster: { server: env.kube.server, 'certificate-authority': 'pki/ca.crt' } },
    ],
    users: [{ name: 'admin', user: { tokenFile: 'token' } }],
    contexts: [{ name: 'second', context: { cluster: 'real', user: 'admin' } }],
  };
  await writeFile(join(a, 'config'), JSON.stringify(first));
  await writeFile(join(b, 'config'), JSON.stringify(second));
  return { first: join(a, 'config'), second: join(b, 'config') };
}

test('a KUBECONFIG list is merged as kubectl merges it, with each file read relative to its own directory', async (t) => {
  // Prepare
  const { first, second } = await twoFiles(t);
  const paths = [first, join(first, '..', 'missing-config'), second];
  // Act
  const loaded = await loadKubeconfig(paths);
  const current = await endpointFromKubeconfigFile(paths, undefined);
  const shared = await endpointFromKubeconfigFile(paths, 'first');
  const client = new ClusterClient(await endpointFromKubeconfigFile(paths, 'second'));
  t.after(() => client.close());
  const namespace = await client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
  // Assess
  assert.deepEqual(loaded.contexts, ['first', 'second']);
  assert.equal(current.name, 'first', 'the first file that sets current-context wins');
  assert.equal(shared.server, 'https://127.0.0.1:1', "the first file's cluster of a name wins");
  assert.equal(namespace?.metadata.name, 'default', "the second file's relative CA and tokenFile were found");
});

test('a single kubeconfig file that does not exist is an error naming it; a list with none existing too', async (t) => {
  // Prepare
  const dir = await tempDirFor(t, 'tideline-kubeconfig-missing-');
  // Act
  const single = loadKubeconfig([join(dir, 'nope')]);
  const list = loadKubeconfig([join(dir, 'nope'), join(dir, 'nope-either')]);
  // Assess
  await assert.rejects(single, /cannot read kubeconfig: ENOENT/);
  await assert.rejects(list, /none of the kubeconfig files exists/);
});

test('tideline diff finds a context that only a later file of KUBECONFIG defines', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-kubeconfig-cli');
  const { first, second } = await twoFiles(t);
  const dir = await tempDirFor(t, 'tideline-kubeconfig-cli-');
  await writeFile(join(dir, 'app.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata:\n  key: value\n`);
  // Act
  const result = await runTideline(['diff', dir, '--context', 'second', '--name', ns], { ...process.env, KUBECONFIG: [first, second].join(delimiter) });
  // Assess
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, new RegExp(`ConfigMap settings in ns ${ns} created`));
});
