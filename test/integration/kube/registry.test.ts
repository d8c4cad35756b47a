// Cluster registries: records in Secrets Manager (moto stands in for AWS) and the contexts of a
// kubeconfig file; a record connects to the real test apiserver.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand, ListSecretsCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerClusterRegistry } from '#shared/adapters/aws/secrets-manager-cluster-registry.ts';
import { KubeconfigClusterRegistry } from '#shared/adapters/local/kubeconfig-cluster-registry.ts';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import { ClusterClient, endpointFromClusterRecord } from '#shared/kube/index.ts';
import type { ClusterRecord, Clock } from '#shared/ports/index.ts';
import { getTestEnv, kubeContextName } from '#test/env/index.ts';

/** A Secrets Manager client of moto, destroyed when the test ends. */
async function secretsClient(t: TestContext): Promise<SecretsManagerClient> {
  const { moto } = await getTestEnv();
  const client = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
  t.after(() => client.destroy());
  return client;
}

/** A prefix no other test uses, so each test sees only its own records. */
function uniquePrefix(): string {
  return `tideline-${randomBytes(4).toString('hex')}/`;
}

async function putSecret(client: SecretsManagerClient, name: string, value: string, tags: Record<string, string> = {}): Promise<void> {
  await client.send(new CreateSecretCommand({ Name: name, SecretString: value, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
}

/** A clock the test moves by hand. */
function handClock(): Clock & { advance(ms: number): void } {
  let now = Date.parse('2026-01-01T00:00:00Z');
  return { now: () => now, sleep: async (ms) => void (now += ms), advance: (ms) => void (now += ms) };
}

/** Makes one request to the cluster of `record` and answers the default Namespace's name. */
async function defaultNamespaceThrough(t: TestContext, record: ClusterRecord): Promise<string | undefined> {
  const client = new ClusterClient(await endpointFromClusterRecord(record));
  t.after(() => client.close());
  const namespace = await client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
  return namespace?.metadata.name;
}

const EKS_RECORD = JSON.stringify({ labels: { env: 'prod' }, eks: { cluster: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod' } });
const INVALID_RECORD = JSON.stringify({ labels: { env: 'dev' }, kubeconfig: 'token: hunter2-secret', context: 7 });

/**
 * Registers a kubeconfig record (the test cluster), an EKS record (tagged `team`, and `env`, which
 * its record's label overrides) and an invalid one under `prefix`.
 */
async function registerThree(client: SecretsManagerClient, prefix: string): Promise<void> {
  const env = await getTestEnv();
  const kubeconfig = JSON.stringify({ labels: { env: 'test' }, kubeconfig: await readFile(env.kube.kubeconfigPath, 'utf8'), context: kubeContextName });
  await putSecret(client, `${prefix}clusters/local`, kubeconfig);
  await putSecret(client, `${prefix}clusters/prod`, EKS_RECORD, { team: 'platform', env: 'from-tag' });
  await putSecret(client, `${prefix}clusters/broken`, INVALID_RECORD);
  // Not cluster records: another kind of secret under the prefix, and a deeper name.
  await putSecret(client, `${prefix}webhook-token`, 'not-a-cluster');
  await putSecret(client, `${prefix}clusters/prod/extra`, EKS_RECORD);
}

test('the Secrets Manager registry lists the valid records of its prefix and reports the invalid one without its value', async (t) => {
  // Prepare
  const client = await secretsClient(t);
  const prefix = uniquePrefix();
  await registerThree(client, prefix);
  const invalid: { name: string; message: string }[] = [];
  const registry = new SecretsManagerClusterRegistry(client, { prefix, onInvalidRecord: (name, error) => invalid.push({ name, message: error.message }) });
  // Act
  const records = await registry.list();
  // Assess
  assert.deepEqual(
    records.map((record) => [record.name, record.labels, record.access.type]),
    [
      ['local', { env: 'test' }, 'kubeconfig'],
      ['prod', { team: 'platform', env: 'prod' }, 'eks'],
    ],
  );
  assert.deepEqual(invalid, [{ name: 'broken', message: 'cluster broken: field context must be a string' }]);
});

test('the Secrets Manager registry follows every ListSecrets page', async (t) => {
  // Prepare
  const client = await secretsClient(t);
  const prefix = uniquePrefix();
  await registerThree(client, prefix);
  let listCalls = 0;
  const counting = {
    send: ((command: Parameters<SecretsManagerClient['send']>[0]) => {
      if (command instanceof ListSecretsCommand) listCalls += 1;
      return client.send(command);
    }) as SecretsManagerClient['send'],
  };
  const registry = new SecretsManagerClusterRegistry(counting, { prefix, pageSize: 1, concurrency: 2, onInvalidRecord: () => {} });
  // Act
  const names = (await registry.list()).map((record) => record.name);
  // Assess
  assert.deepEqual(names, ['local', 'prod']);
  assert.ok(listCalls >= 4, `one page per secret of the prefix, got ${listCalls} ListSecrets calls`);
});

test('getting a registered cluster from Secrets Manager gives its parsed record, labelled by its tags too', async (t) => {
  // Prepare
  const client = await secretsClient(t);
  const prefix = uniquePrefix();
  await registerThree(client, prefix);
  const registry = new SecretsManagerClusterRegistry(client, { prefix });
  // Act
  const { version, ...record } = await registry.get('prod');
  // Assess
  assert.match(version ?? '', /^[\w-]+$/, 'the record carries its AWSCURRENT version');
  assert.deepEqual(record, {
    name: 'prod',
    labels: { team: 'platform', env: 'prod' },
    access: { type: 'eks', clusterName: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod', region: 'eu-west-1' },
  });
});

test('getting an unregistered cluster from Secrets Manager is a NotFoundError naming it', async (t) => {
  // Prepare
  const client = await secretsClient(t);
  const prefix = uniquePrefix();
  const registry = new SecretsManagerClusterRegistry(client, { prefix });
  // Act
  const attempt = registry.get('nowhere');
  // Assess
  await assert.rejects(
    attempt,
    (error: unknown) => error instanceof NotFoundError && error.message.startsWith(`cluster nowhere (secret ${prefix}clusters/nowhere) does not exist`),
  );
});

test('getting an invalid record from Secrets Manager names the cluster and the field, never the value', async (t) => {
  // Prepare
  const client = await secretsClient(t);
  const prefix = uniquePrefix();
  await registerThree(client, prefix);
  const registry = new SecretsManagerClusterRegistry(client, { prefix });
  // Act
  const attempt = registry.get('broken');
  // Assess
  await assert.rejects(
    attempt,
    (error: unknown) => error instanceof InvalidInputError && /^cluster broken: field context/.test(error.message) && !error.message.includes('hunter2'),
  );
});

test('a Secrets Manager record is served from cache until its TTL passes', async (t) => {
  // Prepare
  const client = await secretsClient(t);
  const prefix = uniquePrefix();
  await registerThree(client, prefix);
  const clock = handClock();
  const registry = new SecretsManagerClusterRegistry(client, { prefix, ttlMs: 30_000, clock });
  await registry.get('prod');
  await client.send(
    new PutSecretValueCommand({
      SecretId: `${prefix}clusters/prod`,
      SecretString: JSON.stringify({ labels: { env: 'staging' }, eks: { cluster: 'prod', region: 'eu-west-1' } }),
    }),
  );
  // Act
  const cached = await registry.get('prod');
  clock.advance(30_001);
  const refreshed = await registry.get('prod');
  // Assess
  assert.deepEqual([cached.labels.env, refreshed.labels.env], ['prod', 'staging']);
});

test('listing Secrets Manager records again reads only the records whose version changed', async (t) => {
  // Prepare
  const client = await secretsClient(t);
  const prefix = uniquePrefix();
  await registerThree(client, prefix);
  const clock = handClock();
  const reads: string[] = [];
  const counting = {
    send: ((command: { constructor: { name: string }; input: { SecretId?: string } }) => {
      if (command.constructor.name === 'GetSecretValueCommand') reads.push(String(command.input.SecretId));
      return client.send(command as never);
    }) as SecretsManagerClient['send'],
  };
  const registry = new SecretsManagerClusterRegistry(counting, { prefix, ttlMs: 30_000, clock, onInvalidRecord: () => {} });
  await registry.list();
  const firstReads = reads.length;
  await client.send(
    new PutSecretValueCommand({
      SecretId: `${prefix}clusters/prod`,
      SecretString: JSON.stringify({ labels: { env: 'staging' }, eks: { cluster: 'prod', region: 'eu-west-1' } }),
    }),
  );
  clock.advance(30_001);
  reads.length = 0;
  // Act
  const listed = await registry.list();
  // Assess
  assert.equal(firstReads, 3, 'the first listing reads every record');
  assert.deepEqual(reads, [`${prefix}clusters/broken`, `${prefix}clusters/prod`], 'only the changed record (and the one that never parsed) is read again');
  assert.deepEqual(
    listed.map((record) => [record.name, record.labels.env]),
    [
      ['local', 'test'],
      ['prod', 'staging'],
    ],
  );
});

test('a kubeconfig record from Secrets Manager connects to the real API server', async (t) => {
  // Prepare
  const client = await secretsClient(t);
  const prefix = uniquePrefix();
  await registerThree(client, prefix);
  const record = await new SecretsManagerClusterRegistry(client, { prefix }).get('local');
  // Act
  const name = await defaultNamespaceThrough(t, record);
  // Assess
  assert.equal(name, 'default');
});

test('the kubeconfig registry makes each context a cluster, with the labels given for it', async () => {
  // Prepare
  const env = await getTestEnv();
  const registry = new KubeconfigClusterRegistry({ path: env.kube.kubeconfigPath, labels: { [kubeContextName]: { env: 'local' } } });
  // Act
  const records = await registry.list();
  // Assess
  assert.deepEqual(
    records.map((record) => [record.name, record.labels, record.access.type === 'kubeconfig' ? record.access.context : undefined]),
    [[kubeContextName, { env: 'local' }, kubeContextName]],
  );
});

test('a kubeconfig registry record connects to the real API server', async (t) => {
  // Prepare
  const env = await getTestEnv();
  const record = await new KubeconfigClusterRegistry({ path: env.kube.kubeconfigPath }).get(kubeContextName);
  // Act
  const name = await defaultNamespaceThrough(t, record);
  // Assess
  assert.equal(name, 'default');
});

test('a kubeconfig registry record keeps working when its CA file is given relative to the kubeconfig', async (t) => {
  // Prepare: the CA as a file next to the kubeconfig, named relatively, read from another working directory.
  const env = await getTestEnv();
  const dir = await mkdtemp(join(tmpdir(), 'tideline-registry-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const kubeconfig = JSON.parse(await readFile(env.kube.kubeconfigPath, 'utf8')) as { clusters: { cluster: Record<string, unknown> }[] };
  for (const entry of kubeconfig.clusters) {
    delete entry.cluster['certificate-authority-data'];
    entry.cluster['certificate-authority'] = 'pki/ca.crt';
  }
  await mkdir(join(dir, 'pki'));
  await writeFile(join(dir, 'pki', 'ca.crt'), Buffer.from(env.kube.caData, 'base64'));
  await writeFile(join(dir, 'config'), JSON.stringify(kubeconfig));
  const record = await new KubeconfigClusterRegistry({ path: join(dir, 'config') }).get(kubeContextName);
  // Act
  const name = await defaultNamespaceThrough(t, record);
  // Assess
  assert.equal(name, 'default');
});

test('getting an unknown context from the kubeconfig registry is a NotFoundError naming it', async () => {
  // Prepare
  const env = await getTestEnv();
  const registry = new KubeconfigClusterRegistry({ path: env.kube.kubeconfigPath });
  // Act
  const attempt = registry.get('elsewhere');
  // Assess
  await assert.rejects(
    attempt,
    (error: unknown) => error instanceof NotFoundError && /cluster elsewhere: no such context \(have: tideline-test\)/.test(error.message),
  );
});

test('a kubeconfig registry over a broken file is refused naming the file and line, not its text', async (t) => {
  // Prepare
  const dir = await mkdtemp(join(tmpdir(), 'tideline-registry-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'config');
  await writeFile(path, 'users:\n- name: u\n  user: { token: hunter2-token\ncontexts: [\n');
  // Act
  const attempt = new KubeconfigClusterRegistry({ path }).list();
  // Assess
  await assert.rejects(
    attempt,
    (error: unknown) =>
      error instanceof InvalidInputError &&
      error.message.startsWith(`${path}: not a valid kubeconfig (syntax error on line`) &&
      !error.message.includes('hunter2'),
  );
});

test('a kubeconfig registry over a missing file is refused naming the file', async () => {
  // Prepare
  const path = join(tmpdir(), `tideline-no-such-kubeconfig-${randomBytes(4).toString('hex')}`);
  // Act
  const attempt = new KubeconfigClusterRegistry({ path }).list();
  // Assess
  await assert.rejects(attempt, (error: unknown) => error instanceof InvalidInputError && error.message.startsWith(`${path}: cannot read kubeconfig`));
});
