import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import { describeRef, pickRemoteRef, revisionFor, revisionName, selectRef, tagVersion } from '#shared/git/refs.ts';
import type { RemoteRef } from '#shared/git/refs.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);
const where = 'git repository https://git.example/fleet.git';

test('Flux precedence: commit over name over semver over tag over branch', () => {
  const all = { branch: 'main', tag: 'v1', semver: '>=1.0.0', name: 'refs/pull/1/head', commit: A };

  assert.equal(selectRef(all).kind, 'commit');
  assert.equal(selectRef({ ...all, commit: undefined }).kind, 'name');
  assert.equal(selectRef({ ...all, commit: undefined, name: undefined }).kind, 'semver');
  assert.equal(selectRef({ branch: 'main', tag: 'v1' }).kind, 'tag');
  assert.deepEqual(selectRef({ branch: 'main' }), { kind: 'branch', branch: 'main' });
});

test('no ref at all follows branch master, as Flux defaults', () => {
  assert.deepEqual(selectRef({}), { kind: 'branch', branch: 'master' });
});

test('a short commit id, a ref name outside refs/ and a bad semver range are invalid input', () => {
  assert.throws(() => selectRef({ commit: 'abc123' }), InvalidInputError);
  assert.throws(() => selectRef({ name: 'main' }), InvalidInputError);
  assert.throws(() => selectRef({ semver: 'not a range' }), InvalidInputError);
});

test('revisions are named as Flux names them', () => {
  assert.equal(revisionName('refs/heads/main', A), `main@sha1:${A}`);
  assert.equal(revisionName('refs/heads/feature/x', A), `feature/x@sha1:${A}`);
  assert.equal(revisionName('refs/tags/v1.2.0', A), `v1.2.0@sha1:${A}`);
  assert.equal(revisionName(undefined, A), `sha1:${A}`);
  assert.equal(revisionFor({ kind: 'name', name: 'refs/pull/1/head' }, { ref: 'refs/pull/1/head', commit: A }), `refs/pull/1/head@sha1:${A}`);
  assert.equal(revisionFor({ kind: 'commit', commit: A }, { ref: '', commit: A }), `sha1:${A}`);
  assert.equal(revisionFor({ kind: 'commit', commit: A, branch: 'main' }, { ref: 'refs/heads/main', commit: A }), `main@sha1:${A}`);
});

test('an annotated tag resolves to the commit it points to', () => {
  const refs: RemoteRef[] = [{ ref: 'refs/tags/v1.0.0', oid: B, peeled: A }];

  assert.deepEqual(pickRemoteRef(selectRef({ tag: 'v1.0.0' }), refs, where), { ref: 'refs/tags/v1.0.0', commit: A });
});

test('semver picks the highest matching tag, reads v-prefixed and short versions, and skips pre-releases', () => {
  const refs: RemoteRef[] = [
    { ref: 'refs/tags/v1.2.0', oid: A },
    { ref: 'refs/tags/v1.10', oid: B },
    { ref: 'refs/tags/v2.0.0-rc.1', oid: C },
    { ref: 'refs/tags/latest', oid: D },
  ];

  assert.deepEqual(pickRemoteRef(selectRef({ semver: '>=1.0.0' }), refs, where), { ref: 'refs/tags/v1.10', commit: B });
  assert.deepEqual(pickRemoteRef(selectRef({ semver: '>=1.0.0, <1.5.0' }), refs, where), { ref: 'refs/tags/v1.2.0', commit: A });
  assert.equal(tagVersion('v1.10')?.version, '1.10.0');
  assert.equal(tagVersion('latest'), null);
});

test('a missing branch, tag or semver match is NotFound naming it and the repository', () => {
  assert.throws(() => pickRemoteRef(selectRef({ branch: 'gone' }), [], where), (error: unknown) => error instanceof NotFoundError && error.message === `${where}: branch gone not found`);
  assert.throws(() => pickRemoteRef(selectRef({ tag: 'v9' }), [], where), /tag v9 not found/);
  assert.throws(() => pickRemoteRef(selectRef({ semver: '>=5' }), [{ ref: 'refs/tags/v1.0.0', oid: A }], where), /no tag matches semver >=5/);
});

test('describeRef gives the status text of a ref spec', () => {
  assert.equal(describeRef({ branch: 'main' }), 'branch main');
  assert.equal(describeRef({ tag: 'v1.2.0' }), 'tag v1.2.0');
  assert.equal(describeRef({ semver: '>=1.0' }), 'semver >=1.0');
  assert.equal(describeRef({}), 'branch master');
  assert.equal(describeRef({ commit: A, branch: 'main' }), `commit ${A.slice(0, 12)} on branch main`);
});
