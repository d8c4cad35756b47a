// Cluster connection rules against the real kube-apiserver: exec users refused unless allowed,
// insecure clusters refused unless allowed, TLS verified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '#shared/errors/index.ts';
import { ClusterClient, endpointFromKubeconfig, endpointFromKubeconfigFile } from '#shared/kube/index.ts';
import { getTestEnv } from '#test/env/index.ts';

async function kubeconfigWithUser(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): Promise<string> {
  const env = await getTestEnv();
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: env.kube.server, 'certificate-authority-data': env.kube.caData, ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });
}

test('a kubeconfig whose user runs an exec command is refused', async () => {
  // Prepare
  const text = await kubeconfigWithUser({ exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token'] } });
  // Act
  const attempt = endpointFromKubeconfig(text, 'ctx');
  // Assess
  await assert.rejects(attempt, (error: unknown) => error instanceof InvalidInputError && /exec command "aws"; refused/.test(error.message));
});

test('an auth-provider user is refused', async () => {
  // Prepare
  const text = await kubeconfigWithUser({ 'auth-provider': { name: 'gcp', config: {} } });
  // Act
  const attempt = endpointFromKubeconfig(text, 'ctx');
  // Assess
  await assert.rejects(attempt, (error: unknown) => error instanceof InvalidInputError && /auth-provider/.test(error.message));
});

test('an exec command on the allow-list provides the token and reaches the cluster', async () => {
  // Prepare
  const env = await getTestEnv();
  const dir = await mkdtemp(join(tmpdir(), 'tideline-exec-'));
  const script = join(dir, 'get-token.sh');
  await writeFile(
    script,
    `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"${env.kube.token}"}}'\n`,
  );
  await chmod(script, 0o755);
  const text = await kubeconfigWithUser({ exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: script } });
  // Act
  const client = new ClusterClient(await endpointFromKubeconfig(text, 'ctx', { allowExecCommands: [script] }));
  const ns = await client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
  client.close();
  // Assess
  assert.equal(ns?.metadata.name, 'default');
});

test('an allowed bare exec command is run from the operator PATH and reaches the cluster; the kubeconfig cannot redirect it with PATH', async (t) => {
  // Prepare
  const env = await getTestEnv();
  const dir = await mkdtemp(join(tmpdir(), 'tideline-exec-path-'));
  await writeFile(
    join(dir, 'tideline-test-cred'),
    `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"${env.kube.token}"}}'\n`,
  );
  await chmod(join(dir, 'tideline-test-cred'), 0o755);
  const savedPath = process.env['PATH'];
  process.env['PATH'] = `${dir}:${savedPath ?? ''}`;
  t.after(() => {
    process.env['PATH'] = savedPath;
  });
  const exec = { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'tideline-test-cred' };
  const allowed = { allowExecCommands: ['tideline-test-cred'] };
  // Act
  const client = new ClusterClient(await endpointFromKubeconfig(await kubeconfigWithUser({ exec }), 'ctx', allowed));
  const ns = await client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
  client.close();
  const redirected = endpointFromKubeconfig(await kubeconfigWithUser({ exec: { ...exec, env: [{ name: 'PATH', value: '/tmp' }] } }), 'ctx', allowed);
  // Assess
  assert.equal(ns?.metadata.name, 'default');
  await assert.rejects(redirected, (error: unknown) => error instanceof InvalidInputError && /sets PATH/.test(error.message));
});

test('insecure-skip-tls-verify is refused unless explicitly allowed', async () => {
  // Prepare
  const env = await getTestEnv();
  const text = await kubeconfigWithUser({ token: env.kube.token }, { 'certificate-authority-data': undefined, 'insecure-skip-tls-verify': true });
  // Act
  const attempt = endpointFromKubeconfig(text, 'ctx');
  // Assess
  await assert.rejects(attempt, (error: unknown) => error instanceof InvalidInputError && /insecure-skip-tls-verify/.test(error.message));
  assert.equal((await endpointFromKubeconfig(text, 'ctx', { allowInsecure: true })).insecureSkipTlsVerify, true);
});

test('a server certificate not signed by the configured CA is rejected', async () => {
  // Prepare: the system roots do not know the test CA.
  const text = await kubeconfigWithUser({ token: (await getTestEnv()).kube.token }, { 'certificate-authority-data': undefined });
  const client = new ClusterClient(await endpointFromKubeconfig(text, 'ctx'), { maxAttempts: 1 });
  // Act
  const attempt = client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
  // Assess
  await assert.rejects(attempt, (error: unknown) => error instanceof InvalidInputError && /certificate/.test(error.message));
  client.close();
});

test('file references in a kubeconfig resolve relative to the kubeconfig, as kubectl does', async () => {
  // Prepare
  const env = await getTestEnv();
  const dir = await mkdtemp(join(tmpdir(), 'tideline-kubeconfig-'));
  await writeFile(join(dir, 'ca.crt'), Buffer.from(env.kube.caData, 'base64'));
  await writeFile(join(dir, 'token'), `${env.kube.token}\n`);
  const config = JSON.parse(await kubeconfigWithUser({ tokenFile: 'token' })) as { clusters: { cluster: Record<string, unknown> }[] };
  delete config.clusters[0]!.cluster['certificate-authority-data'];
  config.clusters[0]!.cluster['certificate-authority'] = 'ca.crt';
  await writeFile(join(dir, 'config'), JSON.stringify(config));
  // Act
  const client = new ClusterClient(await endpointFromKubeconfigFile(join(dir, 'config'), 'ctx'));
  const ns = await client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
  client.close();
  // Assess
  assert.equal(ns?.metadata.name, 'default');
});
