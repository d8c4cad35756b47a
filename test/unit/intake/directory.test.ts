import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotFoundError, TransientError } from '#shared/errors/index.ts';
import { ReceiverDirectory } from '#shared/intake/index.ts';
import type { SecretStore } from '#shared/ports/index.ts';
import { TOKEN, manualClock, pathOf, receiver } from './helpers.ts';

const github = receiver('github');
const gitlab = receiver('gitlab');

/** A store whose answers a test can change: a value, or an error to throw. */
function switchableStore(values: Record<string, string | Error>): SecretStore {
  return {
    getSecret: async (name) => {
      const value = values[name];
      if (value === undefined) throw new NotFoundError(`secret ${name} not found`);
      if (value instanceof Error) throw value;
      return value;
    },
  };
}

test('a receiver whose secret is missing is unreachable while the others still resolve', async () => {
  // Prepare
  const directory = new ReceiverDirectory([github, gitlab], switchableStore({ 'flux-system/gitlab-token': TOKEN }), { clock: manualClock() });
  // Act
  const [missing, present] = [await directory.resolve(pathOf(github)), await directory.resolve(pathOf(gitlab))];
  // Assess
  assert.equal(missing, undefined);
  assert.equal(present?.receiver.metadata.name, 'gitlab-receiver');
});

test('when the secret store fails transiently the last known route is kept', async () => {
  // Prepare
  const values: Record<string, string | Error> = { 'flux-system/github-token': TOKEN };
  const clock = manualClock();
  const directory = new ReceiverDirectory([github], switchableStore(values), { clock, refreshIntervalMs: 1000 });
  await directory.resolve(pathOf(github));
  values['flux-system/github-token'] = new TransientError('throttled');
  clock.advance(1001);
  // Act
  const route = await directory.resolve(pathOf(github));
  // Assess
  assert.equal(route?.token, TOKEN);
});

test('a deleted secret disables its receiver at the next refresh', async () => {
  // Prepare
  const values: Record<string, string | Error> = { 'flux-system/github-token': TOKEN };
  const clock = manualClock();
  const directory = new ReceiverDirectory([github], switchableStore(values), { clock, refreshIntervalMs: 1000 });
  await directory.resolve(pathOf(github));
  delete values['flux-system/github-token'];
  clock.advance(1001);
  // Act
  const route = await directory.resolve(pathOf(github));
  // Assess
  assert.equal(route, undefined);
});

test('unknown paths force at most one fresh read of the secrets per interval', async () => {
  // Prepare
  let reads = 0;
  const store: SecretStore = { getSecret: async () => ((reads += 1), TOKEN) };
  const clock = manualClock();
  const directory = new ReceiverDirectory([github], store, { clock, minRefreshIntervalMs: 30_000 });
  // Act
  for (let i = 0; i < 10; i += 1) await directory.resolve(`/hook/${String(i).repeat(64).slice(0, 64)}`);
  const afterBurst = reads;
  clock.advance(30_000);
  await directory.resolve(`/hook/${'f'.repeat(64)}`);
  // Assess
  assert.equal(afterBurst, 2);
  assert.equal(reads, 3);
});
