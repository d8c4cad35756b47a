import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEvent } from '#shared/events/parse.ts';
import { SHA_A, SHA_B, ZERO, TOKEN, deliverOnce, githubHeaders, githubPush, hmacHex, pathOf, reasonOf, receiver } from './helpers.ts';

const github = receiver('github');

/** GitHub headers for `body` without the named signature headers. */
function headersWithout(body: string, names: string[], overrides: Record<string, string> = {}): Record<string, string> {
  const headers = githubHeaders(body, overrides);
  for (const name of names) delete headers[name];
  return headers;
}

test('a signed GitHub branch push emits one GitPushReceived with the normalized fields', async () => {
  // Prepare
  const body = JSON.stringify(githubPush());
  // Act
  const { intake, response } = await deliverOnce(github, githubHeaders(body), body);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published.length, 1);
  const detail = parseEvent('GitPushReceived', { source: 'tideline.intake', 'detail-type': 'GitPushReceived', detail: intake.bus.published[0]?.detail }).detail;
  assert.equal(detail.provider, 'github');
  assert.equal(detail.ref, 'refs/heads/main');
  assert.equal(detail.revision, SHA_B);
  assert.equal(detail.before, SHA_A);
  assert.equal(detail.commits, 1);
  assert.equal(detail.pusher, 'octocat');
  assert.equal(detail.deliveryId, '72d3162e-cc78-11e3-81ab-4c9367dc0958');
  assert.equal(detail.correlationId, detail.deliveryId);
  assert.deepEqual(detail.repository?.urls, ['https://github.com/acme/fleet.git', 'git@github.com:acme/fleet.git']);
  assert.deepEqual(detail.receiver, { name: 'github-receiver', namespace: 'flux-system' });
  assert.equal(detail.receivedAt, '2026-03-01T12:00:00.000Z');
});

test('a GitHub tag push emits the tag ref', async () => {
  // Prepare
  const body = JSON.stringify(githubPush({ ref: 'refs/tags/v1.4.2', before: ZERO, base_ref: 'refs/heads/main', created: true }));
  // Act
  const { intake, response } = await deliverOnce(github, githubHeaders(body), body);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published[0]?.detail.ref, 'refs/tags/v1.4.2');
  assert.equal((intake.bus.published[0]?.detail as { before?: string }).before, undefined);
});

test('a GitHub ping answers 200 and emits nothing', async () => {
  // Prepare
  const body = JSON.stringify({ zen: 'Design for failure.', hook_id: 292430182, hook: { type: 'Repository', events: ['push'] } });
  // Act
  const { intake, response } = await deliverOnce(github, githubHeaders(body, { 'X-GitHub-Event': 'ping' }), body);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(JSON.parse(response.body).status, 'pong');
  assert.equal(intake.bus.published.length, 0);
});

// Requests that must be answered with a status and publish nothing.
const unpublished: { name: string; status: number; request: () => { headers: Record<string, string>; body: string } }[] = [
  {
    name: 'a GitHub branch deletion emits nothing',
    status: 202,
    request: () => {
      const body = JSON.stringify(githubPush({ after: ZERO, deleted: true, commits: [], head_commit: null }));
      return { headers: githubHeaders(body), body };
    },
  },
  {
    name: 'a GitHub push signed with another secret is refused with 401',
    status: 401,
    request: () => {
      const body = JSON.stringify(githubPush());
      return { headers: githubHeaders(body, { 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'not-the-token', body)}` }), body };
    },
  },
  {
    name: 'a GitHub push with only a wrong legacy X-Hub-Signature is refused',
    status: 401,
    request: () => {
      const body = JSON.stringify(githubPush());
      return { headers: headersWithout(body, ['X-Hub-Signature-256'], { 'X-Hub-Signature': `sha1=${hmacHex('sha1', 'other', body)}` }), body };
    },
  },
  {
    name: 'a GitHub push whose body changed after signing is refused',
    status: 401,
    request: () => {
      const body = JSON.stringify(githubPush());
      return { headers: githubHeaders(body), body: body.replace(SHA_B, SHA_A) };
    },
  },
];

for (const c of unpublished) {
  test(c.name, async () => {
    // Prepare
    const { headers, body } = c.request();
    // Act
    const { intake, response } = await deliverOnce(github, headers, body);
    // Assess
    assert.equal(response.status, c.status);
    assert.equal(intake.bus.published.length, 0);
  });
}

test('a GitHub push with only the legacy X-Hub-Signature sha1 is accepted, as Flux accepts it', async () => {
  // Prepare
  const body = JSON.stringify(githubPush());
  // Act
  const { intake, response } = await deliverOnce(github, headersWithout(body, ['X-Hub-Signature-256']), body);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published.length, 1);
});

// Refusals whose reason must name the header GitHub should have signed with.
const namesSignatureHeader: { name: string; headers: (body: string) => Record<string, string> }[] = [
  {
    name: 'a wrong X-Hub-Signature-256 is refused even when the legacy sha1 header is right',
    headers: (body) => githubHeaders(body, { 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'other', body)}` }),
  },
  {
    name: 'a GitHub push without any signature header names the header it needs',
    headers: (body) => headersWithout(body, ['X-Hub-Signature-256', 'X-Hub-Signature']),
  },
];

for (const c of namesSignatureHeader) {
  test(c.name, async () => {
    // Prepare
    const body = JSON.stringify(githubPush());
    // Act
    const { response } = await deliverOnce(github, c.headers(body), body);
    // Assess
    assert.equal(response.status, 401);
    assert.match(reasonOf(response), /X-Hub-Signature-256/);
  });
}

test('a GitHub form-encoded push (payload=…) is accepted', async () => {
  // Prepare
  const body = new URLSearchParams({ payload: JSON.stringify(githubPush()) }).toString();
  const headers = githubHeaders(body, { 'Content-Type': 'application/x-www-form-urlencoded' });
  // Act
  const { intake, response } = await deliverOnce(github, headers, body);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published[0]?.detail.revision, SHA_B);
});

test('a GitHub event other than push or ping is acknowledged with 202 and a reason', async () => {
  // Prepare
  const body = JSON.stringify({ action: 'opened', number: 7 });
  // Act
  const { intake, response } = await deliverOnce(github, githubHeaders(body, { 'X-GitHub-Event': 'pull_request' }), body);
  // Assess
  assert.equal(response.status, 202);
  assert.match(reasonOf(response), /pull_request/);
  assert.equal(intake.bus.published.length, 0);
});

test('the receiver token is what signs: the GitHub path and signature use the same token', async () => {
  // Prepare
  const body = JSON.stringify(githubPush());
  const headers = githubHeaders(body, { 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'other-token', body)}` });
  // Act
  const { response } = await deliverOnce(github, headers, body, 'other-token');
  // Assess
  assert.equal(response.status, 200);
  assert.notEqual(pathOf(github, 'other-token'), pathOf(github, TOKEN));
});
