// Property-based tests: whatever arrives, the intake never answers 5xx and never emits an event
// for a request that does not carry a valid signature for the receiver's token.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ReceiverType } from '#shared/config/receiver.ts';
import { RECEIVER_TYPES } from '#shared/config/receiver.ts';
import { handleWebhook } from '#shared/intake/index.ts';
import { TOKEN, bitbucketChange, bitbucketPush, giteaPush, githubPush, gitlabPush, makeIntake, pathOf, receiver, SHA_A, SHA_B } from './helpers.ts';

/** At least 10,000 cases, as CI requires; FUZZ_RUNS may raise it for a longer local soak. */
const RUNS = Math.max(10_000, Number(process.env.FUZZ_RUNS ?? 0));

const receivers = RECEIVER_TYPES.map((type) => receiver(type));
const byType = new Map(receivers.map((r) => [r.spec.type, r]));

const HEADER_NAMES = [
  'content-type',
  'x-hub-signature-256',
  'x-hub-signature',
  'x-github-event',
  'x-github-delivery',
  'x-gitlab-token',
  'x-gitlab-event',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'idempotency-key',
  'x-event-key',
  'x-request-uuid',
  'x-gitea-signature',
  'x-gitea-event',
  'x-forgejo-signature',
  'x-gogs-signature',
  'x-signature',
  'x-delivery-id',
];

const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom(
    'application/json',
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=utf-8',
    'Application/JSON; charset=UTF-8',
    'push',
    'ping',
    'Push Hook',
    'Tag Push Hook',
    'System Hook',
    'repo:push',
    `${TOKEN}-old`,
  ),
  fc.stringMatching(/^(sha1|sha256|sha512|md5)=[0-9a-f]{0,130}$/),
  fc.stringMatching(/^v1,[A-Za-z0-9+/=]{0,60}( v1,[A-Za-z0-9+/=]{0,60})?$/),
);

/** A header name as some sender might spell it: as listed, upper-case, or in random mixed case. */
const headerName = fc.oneof(
  fc.constantFrom(...HEADER_NAMES),
  fc.constantFrom(...HEADER_NAMES).map((name) => name.toUpperCase()),
  fc
    .tuple(fc.constantFrom(...HEADER_NAMES), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }))
    .map(([name, upper]) => [...name].map((char, index) => (upper[index] ? char.toUpperCase() : char)).join('')),
  fc.string({ maxLength: 20 }),
);

const headers = fc.dictionary(headerName, headerValue, { maxKeys: 12 });

function realisticBody(type: ReceiverType): string {
  switch (type) {
    case 'github':
      return JSON.stringify(githubPush());
    case 'gitlab':
      return JSON.stringify(gitlabPush());
    case 'bitbucket':
      return JSON.stringify(bitbucketPush([bitbucketChange('main', SHA_B, SHA_A)]));
    case 'gitea':
      return JSON.stringify(giteaPush());
    case 'generic-hmac':
      return JSON.stringify({ repository: 'https://git.example.com/fleet.git', ref: 'refs/heads/main', revision: SHA_B });
  }
}

const body = (type: ReceiverType): fc.Arbitrary<Buffer> =>
  fc.oneof(
    fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
    fc.json({ maxDepth: 3 }).map((text) => Buffer.from(text)),
    fc.constant(Buffer.from(realisticBody(type))),
    // The form encoding GitHub and Gitea offer, intact or with a broken payload field.
    fc.constant(Buffer.from(new URLSearchParams({ payload: realisticBody(type) }).toString())),
    fc.string({ maxLength: 200 }).map((text) => Buffer.from(`payload=${text}`)),
    fc.string({ maxLength: 200 }).map((text) => Buffer.from(`payload=${encodeURIComponent(text)}&payload=%ZZ`)),
    // A realistic payload with a few characters mutated.
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 32, max: 126 })), { minLength: 1, maxLength: 4 }).map((edits) => {
      const bytes = Buffer.from(realisticBody(type));
      for (const [position, value] of edits) bytes[position % bytes.length] = value;
      return bytes;
    }),
  );

/** The headers that make the request authentic for the receiver's provider (when `key` is its token). */
function validSignature(type: ReceiverType, raw: Buffer, nowMs: number, key = TOKEN): Record<string, string> {
  const hex = (algorithm: string): string => createHmac(algorithm, key).update(raw).digest('hex');
  switch (type) {
    case 'github':
      // Alternate between the current header and the legacy SHA-1 one GitHub Enterprise may send alone.
      return raw.length % 2 === 0 ? { 'x-hub-signature-256': `sha256=${hex('sha256')}` } : { 'X-Hub-Signature': `sha1=${hex('sha1')}` };
    case 'bitbucket':
      return { 'x-hub-signature': `sha256=${hex('sha256')}` };
    case 'gitea':
      return { 'x-gitea-signature': hex('sha256') };
    case 'generic-hmac':
      return { 'x-signature': `sha512=${hex('sha512')}` };
    case 'gitlab': {
      const timestamp = String(Math.floor(nowMs / 1000));
      const signature = createHmac('sha256', key).update(`fuzz-id.${timestamp}.`).update(raw).digest('base64');
      return { 'webhook-id': 'fuzz-id', 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
    }
  }
}

/** Removes every header a provider reads a signature or token from, whatever its case. */
function withoutSignatureHeaders(input: Record<string, string>): Record<string, string> {
  const signing = new Set([
    'x-hub-signature-256',
    'x-hub-signature',
    'x-gitlab-token',
    'webhook-signature',
    'x-gitea-signature',
    'x-forgejo-signature',
    'x-gogs-signature',
    'x-signature',
  ]);
  return Object.fromEntries(Object.entries(input).filter(([name]) => !signing.has(name.toLowerCase())));
}

// Built once: arbitraries created inside `chain` would be rebuilt (and their regexes re-parsed) per case.
const randomHookPath = fc.stringMatching(/^\/hook\/[0-9a-f]{64}$/);
const bodies = new Map(RECEIVER_TYPES.map((type) => [type, body(type)]));
const bodyOf = (type: ReceiverType): fc.Arbitrary<Buffer> => bodies.get(type)!;

const scenario = fc.constantFrom(...RECEIVER_TYPES).chain((type) =>
  fc.record({
    type: fc.constant(type),
    method: fc.oneof(fc.constant('POST'), fc.constantFrom('GET', 'HEAD', 'PUT', 'post', '')),
    path: fc.oneof(
      fc.constant(pathOf(byType.get(type)!)),
      fc.constantFrom(`${pathOf(byType.get(type)!)}/`, `${pathOf(byType.get(type)!)}?x=1`),
      fc.string({ maxLength: 80 }),
      randomHookPath,
    ),
    headers,
    body: bodyOf(type),
    signing: fc.constantFrom('none', 'random', 'valid'),
  }),
);

test('random requests never get a 5xx and never emit without a valid signature', async () => {
  // Prepare
  const intake = makeIntake(receivers);
  await fc.assert(
    fc.asyncProperty(scenario, async (input) => {
      // Prepare
      const before = intake.bus.published.length;
      // "random" keeps whatever signature-looking headers were generated; "none" strips them.
      const base = input.signing === 'none' ? withoutSignatureHeaders(input.headers) : input.headers;
      const requestHeaders =
        input.signing === 'valid' ? { ...withoutSignatureHeaders(base), ...validSignature(input.type, input.body, intake.clock.now()) } : base;
      // Act
      const response = await handleWebhook({ method: input.method, path: input.path, headers: requestHeaders, body: input.body }, intake.deps);
      // Assess
      assert.ok(response.status >= 200 && response.status < 500, `status ${response.status}`);
      JSON.parse(response.body);
      if (input.signing !== 'valid') {
        assert.equal(response.events.length, 0);
        assert.equal(intake.bus.published.length, before);
        assert.ok([401, 404, 405, 413].includes(response.status), `unsigned request answered ${response.status}`);
      }
    }),
    { numRuns: RUNS },
  );
});

test('random bodies are answered without a 5xx, and each request emits only when its signature is valid', async () => {
  // Prepare
  const intake = makeIntake(receivers);
  await fc.assert(
    fc.asyncProperty(
      fc
        .constantFrom(...RECEIVER_TYPES)
        .chain((type) =>
          fc.record({ type: fc.constant(type), headers, body: bodyOf(type), key: fc.constantFrom(TOKEN, TOKEN, `${TOKEN}-old`, ''), tamper: fc.boolean() }),
        ),
      async (input) => {
        // Prepare: signed with the receiver's token, another key, or over other bytes than those sent.
        const r = byType.get(input.type)!;
        const signedBody = input.tamper ? Buffer.concat([input.body, Buffer.from(' ')]) : input.body;
        const signature = input.key === '' ? {} : validSignature(input.type, signedBody, intake.clock.now(), input.key);
        const requestHeaders = { ...withoutSignatureHeaders(input.headers), ...signature };
        const validlySigned = input.key === TOKEN && !input.tamper;
        const before = intake.bus.published.length;

        // Act
        const response = await handleWebhook({ method: 'POST', path: pathOf(r), headers: requestHeaders, body: input.body }, intake.deps);

        // Assess: what reached the bus is what the response reports, and only a valid signature gets there.
        const emitted = intake.bus.published.slice(before);
        assert.ok(response.status < 500, `status ${response.status}`);
        assert.deepEqual(emitted, response.events);
        if (!validlySigned) {
          assert.equal(emitted.length, 0, `a request signed with ${input.key ? 'another key' : 'nothing'}${input.tamper ? ' over other bytes' : ''} emitted`);
          assert.equal(response.status, 401);
        }
        if (emitted.length > 0) assert.equal(response.status, 200);
      },
    ),
    { numRuns: RUNS },
  );
});

test('any correctly signed body reaches a generic-hmac receiver, and every event lists its resources', async () => {
  // Prepare
  const intake = makeIntake(receivers);
  const generic = byType.get('generic-hmac')!;
  await fc.assert(
    fc.asyncProperty(headers, bodyOf('generic-hmac'), async (randomHeaders, raw) => {
      // Prepare
      const requestHeaders = { ...withoutSignatureHeaders(randomHeaders), ...validSignature('generic-hmac', raw, intake.clock.now()) };
      intake.clock.advance(1);
      // Act
      const response = await handleWebhook({ method: 'POST', path: pathOf(generic), headers: requestHeaders, body: raw }, intake.deps);
      // Assess
      // 202 only for a body naming the deletion of a ref; 200 "duplicate" for a redelivered push.
      assert.ok(response.status === 200 || response.status === 202, `status ${response.status}: ${response.body}`);
      for (const event of response.events)
        assert.deepEqual((event.detail as { resources: unknown }).resources, [{ kind: 'GitRepository', name: 'fleet', namespace: 'flux-system' }]);
    }),
    { numRuns: RUNS },
  );
});
