import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialsFromSecret, describeRef, gitRepositorySpec, parseGitRepository } from '#shared/config/git-repository.ts';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';

function gitRepository(spec: Record<string, unknown>, apiVersion = 'source.toolkit.fluxcd.io/v1'): unknown {
  return { apiVersion, kind: 'GitRepository', metadata: { name: 'fleet' }, spec: { url: 'https://git.example/org/fleet.git', interval: '1m', ...spec } };
}

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test('a Flux GitRepository maps to the source spec with Flux defaults (60s timeout, branch master)', () => {
  const repo = parseGitRepository(gitRepository({}));

  const spec = gitRepositorySpec(repo);

  assert.equal(repo.metadata.namespace, 'flux-system');
  assert.deepEqual(spec, { url: 'https://git.example/org/fleet.git', ref: {}, timeoutMs: 60_000 });
  assert.equal(describeRef(spec.ref), 'branch master');
});

test('ref, timeout, ignore and suspend are read, in v1 and v1beta2', () => {
  for (const apiVersion of ['source.toolkit.fluxcd.io/v1', 'source.toolkit.fluxcd.io/v1beta2']) {
    const repo = parseGitRepository(gitRepository({ ref: { semver: '>=1.0.0' }, timeout: '2m', ignore: '/docs\n', suspend: true }, apiVersion));

    assert.equal(repo.spec.suspend, true);
    assert.deepEqual(gitRepositorySpec(repo), { url: 'https://git.example/org/fleet.git', ref: { semver: '>=1.0.0' }, timeoutMs: 120_000, ignore: '/docs\n' });
  }
});

test('each unimplemented Flux field is refused by name with the reason, and its default value passes', () => {
  for (const [field, value] of [
    ['include', [{ repository: { name: 'x' } }]],
    ['recurseSubmodules', true],
    ['verify', { mode: 'HEAD', secretRef: { name: 'k' } }],
    ['proxySecretRef', { name: 'p' }],
    ['sparseCheckout', ['apps/']],
  ] as const) {
    assert.throws(
      () => parseGitRepository(gitRepository({ [field]: value }), 'clusters/dev/sources.yaml'),
      (error: unknown) =>
        error instanceof InvalidInputError && error.message.startsWith(`clusters/dev/sources.yaml: GitRepository fleet: spec.${field} is not supported: `),
      field,
    );
  }
  assert.doesNotThrow(() => parseGitRepository(gitRepository({ recurseSubmodules: false, include: [] })));
});

test('a provider other than generic is refused with what to use instead', () => {
  assert.throws(() => parseGitRepository(gitRepository({ provider: 'azure' })), /spec\.provider azure is not supported: .*spec\.secretRef/);
  assert.doesNotThrow(() => parseGitRepository(gitRepository({ provider: 'generic' })));
});

test('an SSH URL is refused: isomorphic-git speaks HTTP(S) only, use the https URL with a token', () => {
  assert.throws(
    () => parseGitRepository(gitRepository({ url: 'ssh://git@github.com/org/fleet' })),
    (error: unknown) => error instanceof InvalidInputError && /GitRepository fleet: spec\.url: .*HTTP\(S\) only.*https:\/\/.*secretRef/.test(error.message),
  );
});

test('credentials are read in Flux formats: basic auth, bearer token (wins), ca.crt (or caFile)', () => {
  assert.deepEqual(credentialsFromSecret({ username: 'bot', password: 'tok' }, 'secret s'), { username: 'bot', password: 'tok' });
  assert.deepEqual(credentialsFromSecret({ bearerToken: 'tok', username: 'bot', password: 'x' }, 'secret s'), { bearerToken: 'tok' });
  assert.deepEqual(credentialsFromSecret({ 'ca.crt': CA }, 'secret s'), { caCert: CA });
  assert.deepEqual(credentialsFromSecret({ caFile: CA, username: 'bot' }, 'secret s'), { caCert: CA, username: 'bot' });
});

test('bad secret data names the secret and the key, never a value', () => {
  const check = (data: Record<string, string>, pattern: RegExp) =>
    assert.throws(
      () => credentialsFromSecret(data, 'secret flux-system/git'),
      (error: unknown) => error instanceof InvalidInputError && pattern.test(error.message) && !error.message.includes('hunter2'),
    );

  check({ password: 'hunter2' }, /^secret flux-system\/git: key password is set but key username is missing/);
  check({ 'ca.crt': 'hunter2' }, /key ca\.crt is not a PEM certificate/);
  check({ identity: 'hunter2', known_hosts: 'x' }, /SSH credentials/);
  check({ 'tls.crt': 'hunter2', 'tls.key': 'hunter2' }, /tls\.crt\/tls\.key/);
});

test('a GitRepository whose secret was not found is NotFound naming the secret', () => {
  const repo = parseGitRepository(gitRepository({ secretRef: { name: 'git-auth' } }));

  assert.throws(
    () => gitRepositorySpec(repo),
    (error: unknown) => error instanceof NotFoundError && /secret flux-system\/git-auth of GitRepository fleet/.test(error.message),
  );
  assert.deepEqual(gitRepositorySpec(repo, { username: 'bot', password: 'tok' }).credentials, { username: 'bot', password: 'tok' });
});
