import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialsFromSecret, describeRef, gitRepositorySpec, parseGitRepository } from '#shared/config/git-repository.ts';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';

function gitRepository(spec: Record<string, unknown>, apiVersion = 'source.toolkit.fluxcd.io/v1'): unknown {
  return { apiVersion, kind: 'GitRepository', metadata: { name: 'fleet' }, spec: { url: 'https://git.example/org/fleet.git', interval: '1m', ...spec } };
}

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test('a Flux GitRepository maps to the source spec with Flux defaults (60s timeout, branch master)', () => {
  // Prepare
  const repo = parseGitRepository(gitRepository({}));
  // Act
  const spec = gitRepositorySpec(repo);
  // Assess
  assert.equal(repo.metadata.namespace, 'flux-system');
  assert.deepEqual(spec, { url: 'https://git.example/org/fleet.git', ref: {}, timeoutMs: 60_000 });
  assert.equal(describeRef(spec.ref), 'branch master');
});

test('ref, timeout, ignore and suspend are read, in v1 and v1beta2', () => {
  for (const apiVersion of ['source.toolkit.fluxcd.io/v1', 'source.toolkit.fluxcd.io/v1beta2']) {
    // Act
    const repo = parseGitRepository(gitRepository({ ref: { semver: '>=1.0.0' }, timeout: '2m', ignore: '/docs\n', suspend: true }, apiVersion));
    // Assess
    assert.equal(repo.spec.suspend, true);
    assert.deepEqual(gitRepositorySpec(repo), { url: 'https://git.example/org/fleet.git', ref: { semver: '>=1.0.0' }, timeoutMs: 120_000, ignore: '/docs\n' });
  }
});

test('each unimplemented Flux field is refused by name with the reason, and its default value passes', () => {
  // Prepare
  const unimplemented = [
    ['include', [{ repository: { name: 'x' } }]],
    ['recurseSubmodules', true],
    ['verify', { mode: 'HEAD', secretRef: { name: 'k' } }],
    ['proxySecretRef', { name: 'p' }],
    ['sparseCheckout', ['apps/']],
  ] as const;
  // Act
  const withDefaults = (): unknown => parseGitRepository(gitRepository({ recurseSubmodules: false, include: [] }));
  // Assess
  assert.doesNotThrow(withDefaults);
  for (const [field, value] of unimplemented) {
    assert.throws(
      () => parseGitRepository(gitRepository({ [field]: value }), 'clusters/dev/sources.yaml'),
      (error: unknown) =>
        error instanceof InvalidInputError && error.message.startsWith(`clusters/dev/sources.yaml: GitRepository fleet: spec.${field} is not supported: `),
      field,
    );
  }
});

test('a provider other than generic is refused with what to use instead', () => {
  // Act
  const azure = (): unknown => parseGitRepository(gitRepository({ provider: 'azure' }));
  const generic = (): unknown => parseGitRepository(gitRepository({ provider: 'generic' }));
  // Assess
  assert.throws(azure, /spec\.provider azure is not supported: .*spec\.secretRef/);
  assert.doesNotThrow(generic);
});

test('an SSH URL is refused: isomorphic-git speaks HTTP(S) only, use the https URL with a token', () => {
  // Act
  const attempt = (): unknown => parseGitRepository(gitRepository({ url: 'ssh://git@github.com/org/fleet' }));
  // Assess
  assert.throws(
    attempt,
    (error: unknown) => error instanceof InvalidInputError && /GitRepository fleet: spec\.url: .*HTTP\(S\) only.*https:\/\/.*secretRef/.test(error.message),
  );
});

test('credentials are read in Flux formats: basic auth, bearer token (wins), ca.crt (or caFile)', () => {
  // Prepare
  const secrets = [
    { username: 'bot', password: 'tok' },
    { bearerToken: 'tok', username: 'bot', password: 'x' },
    { 'ca.crt': CA },
    { caFile: CA, username: 'bot' },
  ];
  // Act
  const credentials = secrets.map((data) => credentialsFromSecret(data, 'secret s'));
  // Assess
  assert.deepEqual(credentials, [{ username: 'bot', password: 'tok' }, { bearerToken: 'tok' }, { caCert: CA }, { caCert: CA, username: 'bot' }]);
});

test('bad secret data names the secret and the key, never a value', () => {
  // Prepare
  const cases: [Record<string, string>, RegExp][] = [
    [{ password: 'hunter2' }, /^secret flux-system\/git: key password is set but key username is missing/],
    [{ 'ca.crt': 'hunter2' }, /key ca\.crt is not a PEM certificate/],
    [{ identity: 'hunter2', known_hosts: 'x' }, /SSH credentials/],
    [{ 'tls.crt': 'hunter2', 'tls.key': 'hunter2' }, /tls\.crt\/tls\.key/],
  ];
  for (const [data, pattern] of cases) {
    // Act
    const attempt = (): unknown => credentialsFromSecret(data, 'secret flux-system/git');
    // Assess
    assert.throws(attempt, (error: unknown) => error instanceof InvalidInputError && pattern.test(error.message) && !error.message.includes('hunter2'));
  }
});

test('a GitRepository whose secret was not found is NotFound naming the secret', () => {
  // Prepare
  const repo = parseGitRepository(gitRepository({ secretRef: { name: 'git-auth' } }));
  // Act
  const withoutSecret = (): unknown => gitRepositorySpec(repo);
  const withSecret = gitRepositorySpec(repo, { username: 'bot', password: 'tok' });
  // Assess
  assert.throws(withoutSecret, (error: unknown) => error instanceof NotFoundError && /secret flux-system\/git-auth of GitRepository fleet/.test(error.message));
  assert.deepEqual(withSecret.credentials, { username: 'bot', password: 'tok' });
});
