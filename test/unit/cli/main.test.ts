// The `tideline` program loads each verb's module by the verb's name: these tests hold every name
// of the list to a module that registers a command of that name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VERBS, buildProgram } from '#shared/cli/main.ts';

test('the program without a verb registers every listed verb under its own name', async () => {
  // Prepare: nothing; buildProgram loads the modules itself.

  // Act
  const program = await buildProgram();

  // Assess
  assert.deepEqual(
    program.commands.map((command) => command.name()),
    [...VERBS],
  );
});

test('the program for a known verb registers that verb alone', async () => {
  // Prepare
  const verb = 'resume';

  // Act
  const program = await buildProgram(verb);

  // Assess
  assert.deepEqual(
    program.commands.map((command) => command.name()),
    [verb],
  );
});

test('the program for an unknown verb registers every verb, so help can suggest one', async () => {
  // Prepare
  const verb = 'aply';

  // Act
  const program = await buildProgram(verb);

  // Assess
  assert.equal(program.commands.length, VERBS.length);
});
