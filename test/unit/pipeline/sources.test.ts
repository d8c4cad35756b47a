import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedMutex } from '#shared/pipeline/mutex.ts';
import { fetchKey, normalizeRepoUrl, refKey } from '#shared/pipeline/sources.ts';

test('one repository under several spellings is one fetch; credentials in the URL never count', () => {
  assert.equal(normalizeRepoUrl('https://GitHub.com/acme/fleet.git/'), 'https://github.com/acme/fleet');
  assert.equal(normalizeRepoUrl('https://user:secret@github.com/acme/fleet'), 'https://github.com/acme/fleet');
  assert.equal(fetchKey('https://github.com/acme/fleet.git', { branch: 'main' }), fetchKey('https://github.com/acme/fleet', { branch: 'main' }));
  assert.notEqual(fetchKey('https://github.com/acme/fleet', { branch: 'main' }), fetchKey('https://github.com/acme/fleet', { tag: 'main' }));
  assert.ok(!fetchKey('https://u:hunter2@example.com/x.git', {}).includes('hunter2'));
});

test("the followed ref is named in Flux's precedence: commit, name, semver, tag, branch (default master)", () => {
  assert.equal(refKey({ branch: 'main', tag: 'v1', semver: '>=1', name: 'refs/pull/1/head', commit: 'a'.repeat(40) }), `commit:${'a'.repeat(40)}`);
  assert.equal(refKey({ branch: 'main', tag: 'v1', semver: '>=1', name: 'refs/pull/1/head' }), 'name:refs/pull/1/head');
  assert.equal(refKey({ branch: 'main', tag: 'v1', semver: '>=1' }), 'semver:>=1');
  assert.equal(refKey({ branch: 'main', tag: 'v1' }), 'tag:v1');
  assert.equal(refKey({ branch: 'main' }), 'branch:main');
  assert.equal(refKey({}), 'branch:master');
});

test('work under one key runs in arrival order, also after a failure; other keys do not wait', async () => {
  const mutex = new KeyedMutex();
  const log: string[] = [];
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const first = mutex.run('a', async () => {
    await gate;
    log.push('a1');
    throw new Error('a1 failed');
  });
  const second = mutex.run('a', async () => void log.push('a2'));
  await mutex.run('b', async () => void log.push('b1'));
  release();
  await assert.rejects(first, /a1 failed/);
  await second;
  assert.deepEqual(log, ['b1', 'a1', 'a2']);
});
