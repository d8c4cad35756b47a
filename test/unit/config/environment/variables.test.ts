import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '#shared/errors/index.ts';
import { optionalVariable, requiredVariable, wholeNumberVariable } from '#shared/config/environment/variables.ts';

test('a blank variable counts as unset and values lose surrounding white space', () => {
  // Act
  const values = [optionalVariable({ A: '  ' }, 'A'), optionalVariable({ A: ' x ' }, 'A')];
  // Assess
  assert.deepEqual(values, [undefined, 'x']);
});

test('a required variable that is unset fails naming it and what it is for', () => {
  // Act
  const attempt = (): unknown => requiredVariable({}, 'TIDELINE_X', 'the x');
  // Assess
  assert.throws(attempt, (error: unknown) => error instanceof InvalidInputError && error.message === 'environment variable TIDELINE_X is required (the x)');
});

test('a whole number outside its range or with a unit fails naming the variable and the range', () => {
  // Prepare
  const range = { fallback: 25, min: 1, max: 200 };
  // Act
  const accepted = [wholeNumberVariable({}, 'N', range), wholeNumberVariable({ N: '200' }, 'N', range)];
  const seconds = (): unknown => wholeNumberVariable({ S: '0' }, 'S', { fallback: 1, min: 1, unit: 'seconds' });
  // Assess
  assert.deepEqual(accepted, [25, 200]);
  for (const value of ['0', '201', '5m', '-1', '1.5']) {
    assert.throws(() => wholeNumberVariable({ N: value }, 'N', range), { message: 'environment variable N must be a whole number from 1 to 200' }, value);
  }
  assert.throws(seconds, {
    message: 'environment variable S must be a whole number of seconds above 0',
  });
});
