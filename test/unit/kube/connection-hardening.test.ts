// Connection rules against hostile kubeconfigs: an allowed exec command cannot be swapped through
// the kubeconfig's env, credential files stay confined, and no secret reaches a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError, TransientError } from '#shared/errors/index.ts';
import { rejection } from '#test/support/assert.ts';
import { ClusterClient, endpointFromClusterRecord, endpointFromKubeconfig, endpointFromKubeconfigFile } from '#shared/kube/index.ts';

const CA = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=';

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': CA, ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  };
}

async function scratch(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tideline-conn-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function script(path: string, token: string): Promise<void> {
  await writeFile(path, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`);
  await chmod(path, 0o755);
}

function tokenOf(endpoint: { token?: string | (() => Promise<string>) }): Promise<string | undefined> {
  return typeof endpoint.token === 'function' ? endpoint.token() : Promise.resolve(endpoint.token);
}

test('an allowed exec command whose kubeconfig env sets PATH is refused, so no impostor on that PATH runs', async (t) => {
  // Prepare: the kubeconfig points PATH at a directory holding an impostor of the allowed command.
  const dir = await scratch(t);
  await script(join(dir, 'tl-cred'), 'impostor');
  const text = JSON.stringify(
    kubeconfig({ exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'tl-cred', env: [{ name: 'PATH', value: dir }] } }),
  );
  // Act
  const attempt = endpointFromKubeconfig(text, 'ctx', { allowExecCommands: ['tl-cred'] });
  // Assess
  await assert.rejects(attempt, (error: unknown) => error instanceof InvalidInputError && /sets PATH/.test(error.message));
});

test('an allowed bare exec command runs from the operator PATH, with the kubeconfig env applied to it only', async (t) => {
  // Prepare: the operator's PATH finds the command; the kubeconfig env passes a harmless variable.
  const dir = await scratch(t);
  await writeFile(join(dir, 'tl-cred'), `#!/bin/sh\necho "{\\"status\\":{\\"token\\":\\"$TL_PROFILE\\"}}"\n`);
  await chmod(join(dir, 'tl-cred'), 0o755);
  const savedPath = process.env['PATH'];
  process.env['PATH'] = `${dir}:${savedPath ?? ''}`;
  t.after(() => {
    process.env['PATH'] = savedPath;
  });
  const text = JSON.stringify(kubeconfig({ exec: { command: 'tl-cred', env: [{ name: 'TL_PROFILE', value: 'from-env' }] } }));
  // Act
  const endpoint = await endpointFromKubeconfig(text, 'ctx', { allowExecCommands: ['tl-cred'] });
  // Assess
  assert.equal(await tokenOf(endpoint), 'from-env');
});

test('an allowed exec command missing from the operator PATH is refused naming it', async () => {
  // Prepare
  const text = JSON.stringify(kubeconfig({ exec: { command: 'tl-no-such-command-anywhere' } }));
  // Act
  const attempt = endpointFromKubeconfig(text, 'ctx', { allowExecCommands: ['tl-no-such-command-anywhere'] });
  // Assess
  await assert.rejects(
    attempt,
    (error: unknown) => error instanceof InvalidInputError && /exec command "tl-no-such-command-anywhere" is not on the PATH/.test(error.message),
  );
});

test('an allowed exec command given as a relative path is refused', async () => {
  // Prepare
  const text = JSON.stringify(kubeconfig({ exec: { command: './aws' } }));
  // Act
  const attempt = endpointFromKubeconfig(text, 'ctx', { allowExecCommands: ['./aws'] });
  // Assess
  await assert.rejects(attempt, (error: unknown) => error instanceof InvalidInputError && /relative path/.test(error.message));
});

test('an exec entry that sets a loader or interpreter variable is refused', async () => {
  // Prepare
  const text = JSON.stringify(kubeconfig({ exec: { command: 'sh', args: ['-c', 'true'], env: [{ name: 'LD_PRELOAD', value: '/tmp/x.so' }] } }));
  // Act
  const attempt = endpointFromKubeconfig(text, 'ctx', { allowExecCommands: ['sh'] });
  // Assess
  await assert.rejects(attempt, (error: unknown) => error instanceof InvalidInputError && /sets LD_PRELOAD/.test(error.message));
});

for (const [field, value] of [
  ['tokenFile', '/etc/shadow'],
  ['tokenFile', '../../../../etc/shadow'],
  ['tokenFile', '/proc/self/environ'],
  ['client-certificate', '../../../../etc/passwd'],
  ['client-key', '/etc/shadow'],
] as const) {
  test(`a cluster record's kubeconfig may not read a local file (${field}: ${value})`, async () => {
    // Prepare
    const text = JSON.stringify(kubeconfig({ [field]: value }));
    // Act
    const attempt = endpointFromClusterRecord({ name: 'prod', labels: {}, access: { type: 'kubeconfig', kubeconfig: text } });
    // Assess
    await assert.rejects(
      attempt,
      (error: unknown) => error instanceof InvalidInputError && error.message.includes(`"${field}"`) && /reads no local files/.test(error.message),
    );
  });
}

test("a cluster record's certificate-authority file is refused naming the field", async () => {
  // Prepare
  const text = JSON.stringify(kubeconfig({ token: 't' }, { 'certificate-authority-data': undefined, 'certificate-authority': 'ca.crt' }));
  // Act
  const attempt = endpointFromClusterRecord({ name: 'prod', labels: {}, access: { type: 'kubeconfig', kubeconfig: text } });
  // Assess
  await assert.rejects(attempt, (error: unknown) => error instanceof InvalidInputError && /"certificate-authority"/.test(error.message));
});

test("a kubeconfig file's tokenFile outside its directory is refused, also through a symlink", async (t) => {
  // Prepare
  const dir = await scratch(t);
  await mkdir(join(dir, 'kube'));
  await writeFile(join(dir, 'outside-token'), 'stolen\n');
  await symlink(join(dir, 'outside-token'), join(dir, 'kube', 'token'));
  await writeFile(join(dir, 'kube', 'direct'), JSON.stringify(kubeconfig({ tokenFile: '../outside-token' })));
  await writeFile(join(dir, 'kube', 'linked'), JSON.stringify(kubeconfig({ tokenFile: 'token' })));
  // Act, one at a time: a second attempt started early would reject before anything awaits it.
  const errors: Error[] = [];
  for (const file of ['direct', 'linked']) errors.push(await rejection(endpointFromKubeconfigFile(join(dir, 'kube', file), 'ctx')));
  // Assess
  assert.equal(errors.length, 2);
  for (const error of errors) {
    assert.ok(error instanceof InvalidInputError, String(error));
    assert.match(error.message, /"tokenFile"/);
    assert.match(error.message, /outside/);
  }
});

test("a kubeconfig file's credential files are read from an explicitly allowed directory", async (t) => {
  // Prepare
  const dir = await scratch(t);
  await mkdir(join(dir, 'kube'));
  await mkdir(join(dir, 'creds'));
  await writeFile(join(dir, 'creds', 'token'), 'allowed-token\n');
  await writeFile(join(dir, 'kube', 'config'), JSON.stringify(kubeconfig({ tokenFile: '../creds/token' })));
  // Act
  const endpoint = await endpointFromKubeconfigFile(join(dir, 'kube', 'config'), 'ctx', { credentialFileDirs: [join(dir, 'creds')] });
  // Assess
  assert.equal(await tokenOf(endpoint), 'allowed-token');
});

test('a missing certificate-authority file is an InvalidInputError naming the field', async (t) => {
  // Prepare
  const dir = await scratch(t);
  await writeFile(
    join(dir, 'config'),
    JSON.stringify(kubeconfig({ token: 't' }, { 'certificate-authority-data': undefined, 'certificate-authority': 'missing-ca.crt' })),
  );
  // Act
  const attempt = endpointFromKubeconfigFile(join(dir, 'config'), 'ctx');
  // Assess
  await assert.rejects(
    attempt,
    (error: unknown) => error instanceof InvalidInputError && /"certificate-authority"/.test(error.message) && /does not exist/.test(error.message),
  );
});

test('a kubeconfig text that does not parse is refused without quoting its text', async () => {
  // Prepare: a bad indent right after a token line.
  const text = 'apiVersion: v1\nusers:\n- name: u\n  user:\n    token: s3cr3t-token-value\n   bad: indent\n';
  // Act
  const attempt = endpointFromKubeconfig(text, undefined);
  // Assess
  await assert.rejects(attempt, (error: unknown) => {
    const cause = (error as Error).cause;
    return (
      error instanceof InvalidInputError &&
      !error.message.includes('s3cr3t') &&
      !String((cause as Error | undefined)?.message ?? '').includes('s3cr3t') &&
      /line \d+/.test(error.message)
    );
  });
});

test('a server URL with a password is printed without it when the server is unreachable', async () => {
  // Prepare: nothing listens on port 1.
  const text = JSON.stringify(kubeconfig({ token: 't' }, { server: 'https://admin:hunter2pw@127.0.0.1:1' }));
  const client = new ClusterClient(await endpointFromKubeconfig(text, 'ctx'), { maxAttempts: 1 });
  // Act
  const attempt = client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
  // Assess
  await assert.rejects(
    attempt,
    (error: unknown) => error instanceof TransientError && error.message.includes('127.0.0.1:1') && !error.message.includes('hunter2pw'),
  );
  client.close();
});

test('a non-https server URL with a password is refused without printing it', async () => {
  // Prepare
  const text = JSON.stringify(kubeconfig({ token: 't' }, { server: 'http://admin:hunter2pw@127.0.0.1:1' }));
  // Act
  const attempt = endpointFromKubeconfig(text, 'ctx');
  // Assess
  await assert.rejects(
    attempt,
    (error: unknown) => error instanceof InvalidInputError && /not https/.test(error.message) && !error.message.includes('hunter2pw'),
  );
});
