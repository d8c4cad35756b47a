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
  // Act
  const matched = matchesPattern(patternFor('GitPushReceived'), push);
  // Assess
  assert.equal(matched, true);
});

test('a catalog pattern does not select another detail-type of the same source', () => {
  // Prepare
  const match = compilePattern(patternFor('ReconcileSucceeded'));
  // Act
  const matched = match({ source: 'tideline.apply', 'detail-type': 'ReconcileFailed', detail: {} });
  // Assess
  assert.equal(matched, false);
});

test('a pattern for several types selects each of them', () => {
  // Prepare
  const match = compilePattern(patternFor('ReconcileFailed', 'RenderFailed'));
  // Act
  const matches = [
    match({ source: 'tideline.apply', 'detail-type': 'ReconcileFailed' }),
    match({ source: 'tideline.render', 'detail-type': 'RenderFailed' }),
    match({ source: 'tideline.render', 'detail-type': 'ManifestsRendered' }),
  ];
  // Assess
  assert.deepEqual(matches, [true, true, false]);
});

test('prefix matches the start of a string field', () => {
  // Act
  const matches = [
    matchesPattern({ detail: { ref: [{ prefix: 'refs/heads/' }] } }, push),
    matchesPattern({ detail: { ref: [{ prefix: 'refs/tags/' }] } }, push),
  ];
  // Assess
  assert.deepEqual(matches, [true, false]);
});

test('anything-but excludes the listed values and prefixes', () => {
  // Act
  const matches = [
    matchesPattern({ detail: { provider: [{ 'anything-but': ['gitlab', 'gitea'] }] } }, push),
    matchesPattern({ detail: { provider: [{ 'anything-but': 'github' }] } }, push),
    matchesPattern({ detail: { ref: [{ 'anything-but': { prefix: 'refs/heads/' } }] } }, push),
  ];
  // Assess
  assert.deepEqual(matches, [true, false, false]);
});

test('anything-but does not match an absent field', () => {
  // Act
  const matched = matchesPattern({ detail: { missing: [{ 'anything-but': 'x' }] } }, push);
  // Assess
  assert.equal(matched, false);
});

test('exists true and false test presence of a field', () => {
  // Act
  const matches = [
    matchesPattern({ detail: { ref: [{ exists: true }] } }, push),
    matchesPattern({ detail: { before: [{ exists: false }] } }, push),
    matchesPattern({ detail: { ref: [{ exists: false }] } }, push),
  ];
  // Assess
  assert.deepEqual(matches, [true, true, false]);
});

test('a value list matches any element of an array field', () => {
  // Act
  const matches = [matchesPattern({ detail: { tags: ['b'] } }, push), matchesPattern({ detail: { tags: ['c'] } }, push)];
  // Assess
  assert.deepEqual(matches, [true, false]);
});

test('numeric ranges compare numbers', () => {
  // Act
  const matches = [
    matchesPattern({ detail: { commits: [{ numeric: ['>', 0, '<=', 3] }] } }, push),
    matchesPattern({ detail: { commits: [{ numeric: ['>', 3] }] } }, push),
  ];
  // Assess
  assert.deepEqual(matches, [true, false]);
});

test('$or matches when one branch matches', () => {
  // Prepare
  const pattern = { detail: { $or: [{ provider: ['gitlab'] }, { ref: [{ suffix: '/main' }] }] } };
  // Act
  const matched = matchesPattern(pattern, push);
  // Assess
  assert.equal(matched, true);
});

test('equals-ignore-case ignores case', () => {
  // Act
  const matched = matchesPattern({ detail: { provider: [{ 'equals-ignore-case': 'GitHub' }] } }, push);
  // Assess
  assert.equal(matched, true);
});

test('a nested pattern does not match a scalar field', () => {
  // Act
  const matched = matchesPattern({ detail: { ref: { inner: ['x'] } } }, push);
  // Assess
  assert.equal(matched, false);
});

test('an unsupported operator is refused when compiling, naming the field', () => {
  // Act
  const attempt = (): unknown => compilePattern({ detail: { ref: [{ wildcard: 'refs/*' }] } });
  // Assess
  assert.throws(attempt, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError);
    assert.match(error.message, /detail\.ref/);
    assert.match(error.message, /wildcard/);
    return true;
  });
});

test('an empty value list is refused, as EventBridge refuses it', () => {
  // Act
  const attempt = (): unknown => compilePattern({ source: [] });
  // Assess
  assert.throws(attempt, InvalidInputError);
});
