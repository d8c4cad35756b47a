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
  const cases = [
    { ref: all, kind: 'commit' },
    { ref: { ...all, commit: undefined }, kind: 'name' },
    { ref: { ...all, commit: undefined, name: undefined }, kind: 'semver' },
    { ref: { branch: 'main', tag: 'v1' }, kind: 'tag' },
    { ref: { branch: 'main' }, kind: 'branch' },
  ];
  for (const { ref, kind } of cases) {
    // Act
    const selected = selectRef(ref);
    // Assess
    assert.equal(selected.kind, kind, JSON.stringify(ref));
  }
});

test('a branch ref selects that branch', () => {
  // Act
  const selected = selectRef({ branch: 'main' });
  // Assess
  assert.deepEqual(selected, { kind: 'branch', branch: 'main' });
});

test('no ref at all follows branch master, as Flux defaults', () => {
  // Act
  const selected = selectRef({});
  // Assess
  assert.deepEqual(selected, { kind: 'branch', branch: 'master' });
});

test('a short commit id, a ref name outside refs/ and a bad semver range are each invalid input', () => {
  for (const ref of [{ commit: 'abc123' }, { name: 'main' }, { semver: 'not a range' }]) {
    // Act
    const act = () => selectRef(ref);
    // Assess
    assert.throws(act, InvalidInputError, JSON.stringify(ref));
  }
});

test('a revision is named as Flux names it: the short branch or tag name, then @sha1:, or the sha1 alone', () => {
  const cases: Array<[string | undefined, string]> = [
    ['refs/heads/main', `main@sha1:${A}`],
    ['refs/heads/feature/x', `feature/x@sha1:${A}`],
    ['refs/tags/v1.2.0', `v1.2.0@sha1:${A}`],
    [undefined, `sha1:${A}`],
  ];
  for (const [ref, expected] of cases) {
    // Act
    const name = revisionName(ref, A);
    // Assess
    assert.equal(name, expected, ref);
  }
});

test('the revision of a ref name keeps the full name', () => {
  // Act
  const revision = revisionFor({ kind: 'name', name: 'refs/pull/1/head' }, { ref: 'refs/pull/1/head', commit: A });
  // Assess
  assert.equal(revision, `refs/pull/1/head@sha1:${A}`);
});

test('the revision of a bare commit is the sha1 alone', () => {
  // Act
  const revision = revisionFor({ kind: 'commit', commit: A }, { ref: '', commit: A });
  // Assess
  assert.equal(revision, `sha1:${A}`);
});

test('the revision of a commit on a branch names the branch', () => {
  // Act
  const revision = revisionFor({ kind: 'commit', commit: A, branch: 'main' }, { ref: 'refs/heads/main', commit: A });
  // Assess
  assert.equal(revision, `main@sha1:${A}`);
});

test('an annotated tag resolves to the commit it points to', () => {
  // Prepare
  const refs: RemoteRef[] = [{ ref: 'refs/tags/v1.0.0', oid: B, peeled: A }];
  // Act
  const picked = pickRemoteRef(selectRef({ tag: 'v1.0.0' }), refs, where);
  // Assess
  assert.deepEqual(picked, { ref: 'refs/tags/v1.0.0', commit: A });
});

const versionedTags: RemoteRef[] = [
  { ref: 'refs/tags/v1.2.0', oid: A },
  { ref: 'refs/tags/v1.10', oid: B },
  { ref: 'refs/tags/v2.0.0-rc.1', oid: C },
  { ref: 'refs/tags/latest', oid: D },
];

test('semver picks the highest matching tag, reading v-prefixed and short versions and skipping pre-releases', () => {
  // Act
  const picked = pickRemoteRef(selectRef({ semver: '>=1.0.0' }), versionedTags, where);
  // Assess
  assert.deepEqual(picked, { ref: 'refs/tags/v1.10', commit: B });
});

test('semver with an upper bound picks the highest tag below it', () => {
  // Act
  const picked = pickRemoteRef(selectRef({ semver: '>=1.0.0, <1.5.0' }), versionedTags, where);
  // Assess
  assert.deepEqual(picked, { ref: 'refs/tags/v1.2.0', commit: A });
});

test('a short v-prefixed tag reads as a full version; a tag that is no version has none', () => {
  // Act
  const versions = { short: tagVersion('v1.10')?.version, latest: tagVersion('latest') };
  // Assess
  assert.deepEqual(versions, { short: '1.10.0', latest: null });
});

test('a missing branch, tag or semver match is a NotFoundError naming it and the repository', () => {
  const cases: Array<[Parameters<typeof selectRef>[0], RemoteRef[], string]> = [
    [{ branch: 'gone' }, [], 'branch gone not found'],
    [{ tag: 'v9' }, [], 'tag v9 not found'],
    [{ semver: '>=5' }, [{ ref: 'refs/tags/v1.0.0', oid: A }], 'no tag matches semver >=5'],
  ];
  for (const [ref, refs, message] of cases) {
    // Act
    const act = () => pickRemoteRef(selectRef(ref), refs, where);
    // Assess
    assert.throws(
      act,
      (error: unknown) => error instanceof NotFoundError && error.message.startsWith(`${where}: `) && error.message.includes(message),
      message,
    );
  }
});

test('describeRef gives the status text of a ref spec', () => {
  const cases: Array<[Parameters<typeof describeRef>[0], string]> = [
    [{ branch: 'main' }, 'branch main'],
    [{ tag: 'v1.2.0' }, 'tag v1.2.0'],
    [{ semver: '>=1.0' }, 'semver >=1.0'],
    [{}, 'branch master'],
    [{ commit: A, branch: 'main' }, `commit ${A.slice(0, 12)} on branch main`],
  ];
  for (const [ref, expected] of cases) {
    // Act
    const text = describeRef(ref);
    // Assess
    assert.equal(text, expected);
  }
});
