import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '#shared/errors/index.ts';
import { optionalVariable, requiredVariable, wholeNumberVariable } from '#shared/config/environment/variables.ts';

test('a blank variable counts as unset and values lose surrounding white space', () => {
  assert.equal(optionalVariable({ A: '  ' }, 'A'), undefined);
  assert.equal(optionalVariable({ A: ' x ' }, 'A'), 'x');
});

test('a required variable that is unset fails naming it and what it is for', () => {
  assert.throws(
    () => requiredVariable({}, 'TIDELINE_X', 'the x'),
    (error: unknown) => error instanceof InvalidInputError && error.message === 'environment variable TIDELINE_X is required (the x)',
  );
});

test('a whole number outside its range or with a unit fails naming the variable and the range', () => {
  assert.equal(wholeNumberVariable({}, 'N', { fallback: 25, min: 1, max: 200 }), 25);
  assert.equal(wholeNumberVariable({ N: '200' }, 'N', { fallback: 25, min: 1, max: 200 }), 200);
  for (const value of ['0', '201', '5m', '-1', '1.5']) {
    assert.throws(
      () => wholeNumberVariable({ N: value }, 'N', { fallback: 25, min: 1, max: 200 }),
      { message: 'environment variable N must be a whole number from 1 to 200' },
      value,
    );
  }
  assert.throws(() => wholeNumberVariable({ S: '0' }, 'S', { fallback: 1, min: 1, unit: 'seconds' }), {
    message: 'environment variable S must be a whole number of seconds above 0',
  });
});
