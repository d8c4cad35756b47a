import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IntakeDeps, WebhookResponse } from '#shared/intake/index.ts';
import { DELIVERY_IN_PROGRESS_TTL_MS, DELIVERY_TTL_MS, handleWebhook } from '#shared/intake/index.ts';
import type { Logger, TtlStore } from '#shared/ports/index.ts';
import { busDyingOnPublish } from '#test/support/dying-bus.ts';
import type { TestIntake } from './helpers.ts';
import { TOKEN, deliver, deliverOnce, githubHeaders, githubPush, hmacHex, makeIntake, pathOf, receiver, request } from './helpers.ts';

const github = receiver('github');
const pushBody = JSON.stringify(githubPush());
/** Delivers the GitHub push `pushBody`, signed, to the `github` receiver (a redelivery sends the very same request). */
const deliverPush = (deps: IntakeDeps): ReturnType<typeof handleWebhook> => handleWebhook(request(pathOf(github), githubHeaders(pushBody), pushBody), deps);

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (message: string, ...attributes: Record<string, unknown>[]): void => {
    lines.push(JSON.stringify({ message, ...Object.assign({}, ...attributes) }));
  };
  return { lines, debug: record, info: record, warn: record, error: record };
}

test('a path that is not /hook/<sha256 hex> answers 404', async () => {
  // Prepare
  const intake = makeIntake([github]);
  // Act
  const response = await handleWebhook(request('/hook/not-a-digest', githubHeaders(pushBody), pushBody), intake.deps);
  // Assess
  assert.equal(response.status, 404);
});

test('a well-formed path no receiver answers at is 404 and emits nothing', async () => {
  // Prepare
  const intake = makeIntake([github]);
  // Act
  const response = await handleWebhook(request(`/hook/${'ab'.repeat(32)}`, githubHeaders(pushBody), pushBody), intake.deps);
  // Assess
  assert.equal(response.status, 404);
  assert.equal(intake.bus.published.length, 0);
});

test('a GET is answered 405', async () => {
  // Prepare
  const intake = makeIntake([github]);
  // Act
  const response = await handleWebhook({ ...request(pathOf(github), {}, ''), method: 'GET' }, intake.deps);
  // Assess
  assert.equal(response.status, 405);
});

/** Wraps each method of `target` so a call is recorded under `name.method` before it runs. */
function recordingCalls<T extends object>(name: string, target: T, calls: string[]): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(`${name}.${String(property)}`);
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

test('a body over 1 MiB answers 413 before anything else is read', async () => {
  // Prepare: every dependency and every header read is recorded.
  const calls: string[] = [];
  const intake = makeIntake([github], {}, { onGetSecret: (name) => calls.push(`secrets.getSecret ${name}`) });
  const deps: IntakeDeps = {
    ...intake.deps,
    receivers: recordingCalls('receivers', intake.deps.receivers, calls),
    bus: recordingCalls('bus', intake.deps.bus, calls),
    deliveries: recordingCalls('deliveries', intake.deps.deliveries, calls),
    clock: recordingCalls('clock', intake.deps.clock, calls),
  };
  const body = Buffer.alloc(1024 * 1024 + 1, 0x20);
  const headers = new Proxy(githubHeaders(body.toString()), {
    get: (object, property) => (calls.push(`header ${String(property)}`), Reflect.get(object, property)),
    ownKeys: (object) => (calls.push('header names'), Reflect.ownKeys(object)),
  });

  // Act
  const response = await handleWebhook(request(pathOf(github), headers, body), deps);

  // Assess: refused on size alone; no header, receiver, secret, clock, store or bus was touched.
  assert.equal(response.status, 413);
  assert.deepEqual(calls, []);
  assert.deepEqual(response.events, []);
});

test('a correctly signed body that is not JSON answers 400', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const body = '{"ref": "refs/heads/main",';
  // Act
  const response = await handleWebhook(request(pathOf(github), githubHeaders(body), body), intake.deps);
  // Assess
  assert.equal(response.status, 400);
  assert.match(JSON.parse(response.body).reason, /not valid JSON/);
});

test('a correctly signed push with a wrong content type answers 400', async () => {
  // Prepare
  const intake = makeIntake([github]);
  // Act
  const response = await handleWebhook(request(pathOf(github), githubHeaders(pushBody, { 'Content-Type': 'text/plain' }), pushBody), intake.deps);
  // Assess
  assert.equal(response.status, 400);
  assert.match(JSON.parse(response.body).reason, /content type/);
});

test('a content type with a charset parameter is accepted', async () => {
  // Prepare
  const intake = makeIntake([github]);
  // Act
  const response = await handleWebhook(
    request(pathOf(github), githubHeaders(pushBody, { 'Content-Type': 'application/json; charset=utf-8' }), pushBody),
    intake.deps,
  );
  // Assess
  assert.equal(response.status, 200);
});

test('an unsigned malformed body answers 401, not 400: nothing is parsed before verification', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const headers = githubHeaders('x', { 'X-Hub-Signature-256': 'sha256=00' });
  // Act
  const response = await handleWebhook(request(pathOf(github), headers, 'not json'), intake.deps);
  // Assess
  assert.equal(response.status, 401);
});

test('the same delivery id twice answers 200 both times and emits once', async () => {
  // Prepare
  const intake = makeIntake([github]);
  // Act
  const first = await deliverPush(intake.deps);
  const second = await deliverPush(intake.deps);
  // Assess
  assert.equal(first.status, 200);
  assert.equal(second.status, 200);
  assert.equal(JSON.parse(second.body).status, 'duplicate');
  assert.equal(intake.bus.published.length, 1);
  assert.equal(second.events.length, 0);
});

test('a delivery id seen more than 24 hours ago is emitted again', async () => {
  // Prepare
  const intake = makeIntake([github]);
  await deliverPush(intake.deps);
  intake.clock.advance(DELIVERY_TTL_MS + 1);
  // Act
  const again = await deliverPush(intake.deps);
  // Assess
  assert.equal(JSON.parse(again.body).status, 'accepted');
  assert.equal(intake.bus.published.length, 2);
});

test('when the bus refuses the events the intake answers 503 and forgets the delivery so a retry goes through', async () => {
  // Prepare
  const intake = makeIntake([github]);
  intake.bus.refuse = true;
  // Act
  const failed = await deliverPush(intake.deps);
  intake.bus.refuse = false;
  const retried = await deliverPush(intake.deps);
  // Assess
  assert.equal(failed.status, 503);
  assert.equal(retried.status, 200);
  assert.equal(JSON.parse(retried.body).status, 'accepted');
  assert.equal(intake.bus.published.length, 1);
});

/** The store with one of its methods failing as a store outage would. */
function storeFailing(store: TtlStore, method: 'delete' | 'complete'): TtlStore {
  const outage = async (): Promise<never> => Promise.reject(new Error('connection reset'));
  return {
    putIfAbsent: (key, ttlMs) => store.putIfAbsent(key, ttlMs),
    claim: (key, ttlMs) => store.claim(key, ttlMs),
    complete: method === 'complete' ? outage : (key, ttlMs) => store.complete(key, ttlMs),
    delete: method === 'delete' ? outage : (key) => store.delete(key),
  };
}

/**
 * Starts an attempt that dies while publishing (timeout, crash): its publish is reached, so the
 * delivery is claimed, and never settles. Resolves once the claim is written.
 */
async function attemptDyingWhilePublishing(deps: IntakeDeps): Promise<void> {
  const dying = busDyingOnPublish();
  void deliverPush({ ...deps, bus: dying.bus });
  await dying.reached;
}

/** Asserts a response's HTTP status, the status its body names, and how many events `intake` has published. */
function assertAnswered(response: WebhookResponse, intake: TestIntake, expected: { status: number; body: string; published: number }): void {
  assert.deepEqual(
    { status: response.status, body: (JSON.parse(response.body) as { status: string }).status, published: intake.bus.published.length },
    expected,
  );
}

test('a redelivery while an earlier attempt died mid-publish answers 503 in-progress with retry-after and emits nothing', async () => {
  // Prepare
  const intake = makeIntake([github]);
  await attemptDyingWhilePublishing(intake.deps);
  // Act
  const redelivered = await deliverPush(intake.deps);
  // Assess
  assertAnswered(redelivered, intake, { status: 503, body: 'in-progress', published: 0 });
  assert.equal(redelivered.headers?.['retry-after'], String(DELIVERY_IN_PROGRESS_TTL_MS / 1000));
});

test('once the claim of an attempt that died has expired the next redelivery is published', async () => {
  // Prepare
  const intake = makeIntake([github]);
  await attemptDyingWhilePublishing(intake.deps);
  intake.clock.advance(DELIVERY_IN_PROGRESS_TTL_MS);
  // Act
  const redelivered = await deliverPush(intake.deps);
  // Assess
  assertAnswered(redelivered, intake, { status: 200, body: 'accepted', published: 1 });
});

test('the in-progress expiry and retry-after follow the configured inProgressTtlMs', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const deps = { ...intake.deps, inProgressTtlMs: 45_000 };
  await attemptDyingWhilePublishing(deps);
  // Act
  const during = await deliverPush(deps);
  intake.clock.advance(45_000);
  const after = await deliverPush(deps);
  // Assess
  assert.equal(during.headers?.['retry-after'], '45');
  assert.equal(JSON.parse(after.body).status, 'accepted');
});

test('an accepted delivery stays a duplicate long after the in-progress expiry', async () => {
  // Prepare
  const intake = makeIntake([github]);
  await deliverPush(intake.deps);
  intake.clock.advance(DELIVERY_TTL_MS - 1);
  // Act
  const redelivered = await deliverPush(intake.deps);
  // Assess
  assertAnswered(redelivered, intake, { status: 200, body: 'duplicate', published: 1 });
});

test('when releasing the claim after a refused publish fails the intake still answers 503 and the claim lapses on its own', async () => {
  // Prepare
  const intake = makeIntake([github]);
  intake.bus.refuse = true;
  const deliveries = storeFailing(intake.deliveries, 'delete');
  // Act
  const failed = await deliverPush({ ...intake.deps, deliveries });
  intake.bus.refuse = false;
  const tooSoon = await deliverPush(intake.deps);
  intake.clock.advance(DELIVERY_IN_PROGRESS_TTL_MS);
  const later = await deliverPush(intake.deps);
  // Assess
  assert.equal(failed.status, 503);
  assert.equal(JSON.parse(tooSoon.body).status, 'in-progress');
  assert.equal(JSON.parse(later.body).status, 'accepted');
});

test('when recording the delivery as done fails after a publish the delivery is still accepted and the failure logged', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const logger = recordingLogger();
  const deliveries = storeFailing(intake.deliveries, 'complete');
  // Act
  const response = await deliverPush({ ...intake.deps, deliveries, logger });
  // Assess
  assert.equal(JSON.parse(response.body).status, 'accepted');
  assert.equal(intake.bus.published.length, 1);
  assert.ok(logger.lines.some((line) => line.includes('recording the delivery as done failed')));
});

test('a suspended receiver acknowledges pushes with 202 and emits nothing', async () => {
  // Prepare
  const suspended = receiver('github', { name: 'paused', suspend: true });
  // Act
  const { intake, response } = await deliverOnce(suspended, githubHeaders(pushBody), pushBody);
  // Assess
  assert.equal(response.status, 202);
  assert.equal(intake.bus.published.length, 0);
});

/** An intake that has served a push (caching TOKEN) and whose secret store now holds 'rotated-token'. */
async function intakeAfterRotation(): Promise<TestIntake> {
  const intake = makeIntake([github]);
  await deliverPush(intake.deps);
  intake.secrets['flux-system/github-token'] = 'rotated-token';
  return intake;
}

test('after the token is rotated, a push signed with the new token is accepted once the secret is read again', async () => {
  // Prepare: the directory has cached the old token; the secret store now holds a new one.
  const intake = await intakeAfterRotation();
  const body = JSON.stringify(githubPush({ after: 'c441029cf673f84c8b7db52d0a5944ee5c52ff8a' }));
  const headers = githubHeaders(body, { 'X-GitHub-Delivery': 'after-rotation', 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'rotated-token', body)}` });
  // Act: the sender still uses the old URL but signs with the new token.
  const response = await deliver(intake, github, headers, body, TOKEN);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published.length, 2);
});

test('the new path of a rotated token is found without waiting for the table to expire', async () => {
  // Prepare
  const intake = await intakeAfterRotation();
  const headers = githubHeaders(pushBody, { 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'rotated-token', pushBody)}` });
  // Act
  const response = await deliver(intake, github, headers, pushBody, 'rotated-token');
  // Assess
  assert.equal(response.status, 200);
});

test('repeated bad signatures read the secret store fresh at most once per interval', async () => {
  // Prepare: count fresh reads.
  let freshReads = 0;
  const intake = makeIntake([github], {}, { onGetSecret: (_name, options) => void (options?.fresh && (freshReads += 1)) });
  const headers = githubHeaders(pushBody, { 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` });
  // Act
  for (let i = 0; i < 20; i += 1) await handleWebhook(request(pathOf(github), headers, pushBody), intake.deps);
  // Assess
  assert.equal(freshReads, 1);
});

test('log lines carry ids only: no token, signature, header or body content', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const logger = recordingLogger();
  const deps = { ...intake.deps, logger };
  const headers = githubHeaders(pushBody);
  // Act
  await handleWebhook(request(pathOf(github), headers, pushBody), deps);
  await handleWebhook(request(pathOf(github), { ...headers, 'X-Hub-Signature-256': 'sha256=deadbeef' }, pushBody), deps);
  await handleWebhook(request(pathOf(github), githubHeaders('{bad', { 'X-GitHub-Delivery': 'd2' }), '{bad'), deps);
  // Assess
  const text = logger.lines.join('\n');
  assert.ok(logger.lines.length >= 3);
  for (const secretish of [TOKEN, headers['X-Hub-Signature-256'] ?? '', 'deadbeef', 'octocat', 'Bump web', 'GitHub-Hookshot', '{bad']) {
    assert.equal(text.includes(secretish), false, `log mentions ${secretish}`);
  }
  assert.match(text, /72d3162e-cc78-11e3-81ab-4c9367dc0958/);
});

test('header names are matched case-insensitively', async () => {
  // Prepare
  const lower = Object.fromEntries(Object.entries(githubHeaders(pushBody)).map(([k, v]) => [k.toLowerCase(), v]));
  // Act
  const { response } = await deliverOnce(github, lower, pushBody);
  // Assess
  assert.equal(response.status, 200);
});

test('a Git host push event carries the receiver resources next to the pushed revision', async () => {
  // Prepare
  const resources = [
    { kind: 'GitRepository', name: 'fleet' },
    { kind: 'GitRepository', name: 'infra', namespace: 'shared' },
  ];
  const scoped = receiver('github', { namespace: 'apps', resources });
  // Act
  const { intake } = await deliverOnce(scoped, githubHeaders(pushBody), pushBody);
  // Assess
  const detail = intake.bus.published[0]?.detail;
  assert.equal(typeof detail?.revision, 'string');
  assert.deepEqual(detail?.resources, [
    { kind: 'GitRepository', name: 'fleet', namespace: 'apps' },
    { kind: 'GitRepository', name: 'infra', namespace: 'shared' },
  ]);
});
