import assert from 'node:assert/strict';
import { test } from 'node:test';
import { patternFor } from '#shared/events/catalog.ts';
import { compilePattern, matchesPattern } from '#shared/events/pattern.ts';
import { InvalidInputError } from '#shared/errors/index.ts';

const push = {
  source: 'tideline.intake',
  'detail-type': 'GitPushReceived',
  detail: { ref: 'refs/heads/main', commits: 3, provider: 'github', tags: ['a', 'b'] },
};

test('a catalog pattern selects events of its detail-types and source', () => {
  assert.equal(matchesPattern(patternFor('GitPushReceived'), push), true);
});

test('a catalog pattern does not select another detail-type of the same source', () => {
  const match = compilePattern(patternFor('ReconcileSucceeded'));
  assert.equal(match({ source: 'tideline.apply', 'detail-type': 'ReconcileFailed', detail: {} }), false);
});

test('a pattern for several types selects each of them', () => {
  const match = compilePattern(patternFor('ReconcileFailed', 'RenderFailed'));
  assert.equal(match({ source: 'tideline.apply', 'detail-type': 'ReconcileFailed' }), true);
  assert.equal(match({ source: 'tideline.render', 'detail-type': 'RenderFailed' }), true);
  assert.equal(match({ source: 'tideline.render', 'detail-type': 'ManifestsRendered' }), false);
});

test('prefix matches the start of a string field', () => {
  assert.equal(matchesPattern({ detail: { ref: [{ prefix: 'refs/heads/' }] } }, push), true);
  assert.equal(matchesPattern({ detail: { ref: [{ prefix: 'refs/tags/' }] } }, push), false);
});

test('anything-but excludes the listed values and prefixes', () => {
  assert.equal(matchesPattern({ detail: { provider: [{ 'anything-but': ['gitlab', 'gitea'] }] } }, push), true);
  assert.equal(matchesPattern({ detail: { provider: [{ 'anything-but': 'github' }] } }, push), false);
  assert.equal(matchesPattern({ detail: { ref: [{ 'anything-but': { prefix: 'refs/heads/' } }] } }, push), false);
});

test('anything-but does not match an absent field', () => {
  assert.equal(matchesPattern({ detail: { missing: [{ 'anything-but': 'x' }] } }, push), false);
});

test('exists true and false test presence of a field', () => {
  assert.equal(matchesPattern({ detail: { ref: [{ exists: true }] } }, push), true);
  assert.equal(matchesPattern({ detail: { before: [{ exists: false }] } }, push), true);
  assert.equal(matchesPattern({ detail: { ref: [{ exists: false }] } }, push), false);
});

test('a value list matches any element of an array field', () => {
  assert.equal(matchesPattern({ detail: { tags: ['b'] } }, push), true);
  assert.equal(matchesPattern({ detail: { tags: ['c'] } }, push), false);
});

test('numeric ranges compare numbers', () => {
  assert.equal(matchesPattern({ detail: { commits: [{ numeric: ['>', 0, '<=', 3] }] } }, push), true);
  assert.equal(matchesPattern({ detail: { commits: [{ numeric: ['>', 3] }] } }, push), false);
});

test('$or matches when one branch matches', () => {
  const pattern = { detail: { $or: [{ provider: ['gitlab'] }, { ref: [{ suffix: '/main' }] }] } };
  assert.equal(matchesPattern(pattern, push), true);
});

test('equals-ignore-case ignores case', () => {
  assert.equal(matchesPattern({ detail: { provider: [{ 'equals-ignore-case': 'GitHub' }] } }, push), true);
});

test('a nested pattern does not match a scalar field', () => {
  assert.equal(matchesPattern({ detail: { ref: { inner: ['x'] } } }, push), false);
});

test('an unsupported operator is refused when compiling, naming the field', () => {
  assert.throws(
    () => compilePattern({ detail: { ref: [{ wildcard: 'refs/*' }] } }),
    (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.message, /detail\.ref/);
      assert.match(error.message, /wildcard/);
      return true;
    },
  );
});

test('an empty value list is refused, as EventBridge refuses it', () => {
  assert.throws(() => compilePattern({ source: [] }), InvalidInputError);
});
