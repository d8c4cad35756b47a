import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedMutex } from '#shared/pipeline/mutex.ts';
import { fetchKey, normalizeRepoUrl, refKey } from '#shared/pipeline/sources.ts';

test('a repository URL normalises to lower-case host, without .git or trailing slash', () => {
  // Act
  const normalised = normalizeRepoUrl('https://GitHub.com/acme/fleet.git/');
  // Assess
  assert.equal(normalised, 'https://github.com/acme/fleet');
});

test('credentials in a repository URL are dropped from its normal form', () => {
  // Act
  const normalised = normalizeRepoUrl('https://user:secret@github.com/acme/fleet');
  // Assess
  assert.equal(normalised, 'https://github.com/acme/fleet');
});

test('one repository under several spellings, following one ref, is one fetch', () => {
  // Act
  const keys = [fetchKey('https://github.com/acme/fleet.git', { branch: 'main' }), fetchKey('https://github.com/acme/fleet', { branch: 'main' })];
  // Assess
  assert.equal(keys[0], keys[1]);
});

test('a branch and a tag of the same name are different fetches', () => {
  // Act
  const keys = [fetchKey('https://github.com/acme/fleet', { branch: 'main' }), fetchKey('https://github.com/acme/fleet', { tag: 'main' })];
  // Assess
  assert.notEqual(keys[0], keys[1]);
});

test('a fetch key never holds the password of its URL', () => {
  // Act
  const key = fetchKey('https://u:hunter2@example.com/x.git', {});
  // Assess
  assert.ok(key.includes('example.com'), key);
  assert.ok(!key.includes('hunter2'), key);
});

test("the followed ref is named in Flux's precedence: commit, name, semver, tag, branch (default master)", () => {
  const cases: Array<[Parameters<typeof refKey>[0], string]> = [
    [{ branch: 'main', tag: 'v1', semver: '>=1', name: 'refs/pull/1/head', commit: 'a'.repeat(40) }, `commit:${'a'.repeat(40)}`],
    [{ branch: 'main', tag: 'v1', semver: '>=1', name: 'refs/pull/1/head' }, 'name:refs/pull/1/head'],
    [{ branch: 'main', tag: 'v1', semver: '>=1' }, 'semver:>=1'],
    [{ branch: 'main', tag: 'v1' }, 'tag:v1'],
    [{ branch: 'main' }, 'branch:main'],
    [{}, 'branch:master'],
  ];
  for (const [ref, expected] of cases) {
    // Act
    const key = refKey(ref);
    // Assess
    assert.equal(key, expected);
  }
});

test('work under one key runs in arrival order, also after a failure; other keys do not wait', async () => {
  // Prepare
  const mutex = new KeyedMutex();
  const log: string[] = [];
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  // Act
  const first = mutex.run('a', async () => {
    await gate;
    log.push('a1');
    throw new Error('a1 failed');
  });
  const second = mutex.run('a', async () => void log.push('a2'));
  await mutex.run('b', async () => void log.push('b1'));
  release();
  // Assess
  await assert.rejects(first, /^Error: a1 failed$/);
  await second;
  assert.deepEqual(log, ['b1', 'a1', 'a2']);
});
