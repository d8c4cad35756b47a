// Requests shaped exactly as the Git hosts (and Flux's generic-hmac senders) send them: header
// spellings, content types, system hooks and the signature formats Flux accepts or refuses.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { FluxReceiver } from '#shared/config/receiver.ts';
import { handleApiGatewayV2, handleWebhook } from '#shared/intake/index.ts';
import {
  SHA_A,
  SHA_B,
  SHA_C,
  TOKEN,
  bitbucketChange,
  bitbucketPush,
  deliver,
  deliverOnce,
  giteaPush,
  githubHeaders,
  githubPush,
  gitlabPush,
  hmacHex,
  makeIntake,
  pathOf,
  reasonOf,
  receiver,
  request,
} from './helpers.ts';

const github = receiver('github');
const gitlab = receiver('gitlab');
const gitea = receiver('gitea');
const bitbucket = receiver('bitbucket');
const generic = receiver('generic-hmac');

const genericBody = (overrides: Record<string, unknown> = {}): string =>
  JSON.stringify({ repository: 'https://git.example.com/fleet.git', ref: 'refs/heads/main', revision: SHA_B, ...overrides });

/** Headers a generic-hmac sender signs `body` with: X-Signature over sha256 (or `algorithm`). */
const genericHeaders = (body: string, algorithm = 'sha256'): Record<string, string> => ({
  'Content-Type': 'application/json',
  'X-Signature': `${algorithm}=${hmacHex(algorithm, TOKEN, body)}`,
});

test('GitHub’s documented test vector verifies through the handler: the signature passes and the non-JSON body is a 400, not a 401', async () => {
  // Prepare
  const secret = "It's a Secret to Everybody";
  const headers = {
    'Content-Type': 'application/json',
    'X-GitHub-Event': 'push',
    'X-GitHub-Delivery': 'vector',
    'X-Hub-Signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
  };
  // Act
  const { response } = await deliverOnce(github, headers, 'Hello, World!', secret);
  // Assess
  assert.equal(response.status, 400);
  assert.match(reasonOf(response), /JSON/);
});

test('a GitHub form-encoded push with a charset parameter is verified over the raw form body', async () => {
  // Prepare
  const raw = `payload=${encodeURIComponent(JSON.stringify(githubPush()))}`;
  const headers = githubHeaders(raw, { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' });
  // Act
  const { intake, response } = await deliverOnce(github, headers, raw);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published[0]?.detail.revision, SHA_B);
});

// Requests that must be answered with a status and publish nothing.
const unpublished: { name: string; r: FluxReceiver; status: number; request: () => { headers: Record<string, string>; body: string } }[] = [
  {
    name: 'a GitHub form body signed over its decoded JSON instead of the raw body is refused',
    r: github,
    status: 401,
    request: () => {
      const json = JSON.stringify(githubPush());
      return { headers: githubHeaders(json, { 'Content-Type': 'application/x-www-form-urlencoded' }), body: `payload=${encodeURIComponent(json)}` };
    },
  },
  {
    name: 'a GitHub push without a Content-Type answers 400, as Flux refuses it',
    r: github,
    status: 400,
    request: () => {
      const body = JSON.stringify(githubPush());
      const headers = githubHeaders(body);
      delete headers['Content-Type'];
      return { headers, body };
    },
  },
  {
    name: 'a Gitea form-encoded push whose payload was changed after signing is refused',
    r: gitea,
    status: 401,
    request: () => {
      const json = JSON.stringify(giteaPush());
      const headers = { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Gitea-Event': 'push', 'X-Gitea-Signature': hmacHex('sha256', TOKEN, json) };
      return { headers, body: new URLSearchParams({ payload: json.replace(SHA_B, SHA_C) }).toString() };
    },
  },
];

for (const c of unpublished) {
  test(c.name, async () => {
    // Prepare
    const { headers, body } = c.request();
    // Act
    const { intake, response } = await deliverOnce(c.r, headers, body);
    // Assess
    assert.equal(response.status, c.status);
    assert.equal(intake.bus.published.length, 0);
  });
}

// Requests that must be accepted with 200 (the status is what they assert).
const accepted: { name: string; r: FluxReceiver; request: () => { headers: Record<string, string>; body: string | Buffer }; token?: string }[] = [
  {
    name: 'a GitHub push with upper-case header names is accepted',
    r: github,
    request: () => {
      const body = JSON.stringify(githubPush());
      return { headers: Object.fromEntries(Object.entries(githubHeaders(body)).map(([name, value]) => [name.toUpperCase(), value])), body };
    },
  },
  {
    name: 'a body starting with a UTF-8 byte-order mark is read as JSON',
    r: github,
    request: () => {
      const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(githubPush()))]);
      const headers = githubHeaders('', { 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', TOKEN, body)}` });
      delete headers['X-Hub-Signature'];
      return { headers, body };
    },
  },
  {
    name: 'a GitLab push without a Content-Type is read as JSON',
    r: gitlab,
    request: () => ({ headers: { 'X-Gitlab-Event': 'Push Hook', 'X-Gitlab-Token': TOKEN }, body: JSON.stringify(gitlabPush()) }),
  },
  {
    name: 'a generic-hmac sha1 signature in upper-case hex, without a Content-Type, is accepted',
    r: generic,
    request: () => {
      const body = genericBody();
      return { headers: { 'X-Signature': `sha1=${hmacHex('sha1', TOKEN, body).toUpperCase()}` }, body };
    },
  },
];

for (const c of accepted) {
  test(c.name, async () => {
    // Prepare
    const { headers, body } = c.request();
    // Act
    const { response } = await deliverOnce(c.r, headers, body);
    // Assess
    assert.equal(response.status, 200);
  });
}

// Pushes that must be accepted and publish one event whose `field` is `expected`.
const publishedField: {
  name: string;
  r: FluxReceiver;
  field: 'commits' | 'ref' | 'revision';
  expected: unknown;
  request: () => { headers: Record<string, string>; body: string };
}[] = [
  {
    name: 'a GitHub push with head_commit null is accepted',
    r: github,
    field: 'commits',
    expected: 0,
    request: () => {
      const body = JSON.stringify(githubPush({ head_commit: null, commits: [] }));
      return { headers: githubHeaders(body), body };
    },
  },
  {
    name: 'a GitLab System Hook push emits GitPushReceived',
    r: gitlab,
    field: 'ref',
    expected: 'refs/heads/main',
    request: () => {
      const payload = gitlabPush();
      delete payload['object_kind'];
      const headers = { 'Content-Type': 'application/json', 'X-Gitlab-Event': 'System Hook', 'X-Gitlab-Token': TOKEN, 'X-Gitlab-Event-UUID': 'sys-1' };
      return { headers, body: JSON.stringify(payload) };
    },
  },
  {
    name: 'a generic-hmac body naming a bare branch is read as refs/heads/<branch>',
    r: generic,
    field: 'ref',
    expected: 'refs/heads/main',
    request: () => {
      const body = genericBody({ ref: 'main' });
      return { headers: genericHeaders(body), body };
    },
  },
  {
    name: 'a Gitea form-encoded push, signed over its JSON payload as Gitea signs it, is accepted',
    r: gitea,
    field: 'revision',
    expected: SHA_B,
    request: () => {
      const json = JSON.stringify(giteaPush());
      const headers = {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Gitea-Event': 'push',
        'X-Gitea-Delivery': 'form-1',
        'X-Gitea-Signature': hmacHex('sha256', TOKEN, json),
      };
      return { headers, body: new URLSearchParams({ payload: json }).toString() };
    },
  },
  {
    name: 'a GitHub annotated tag push reports the tagged commit (head_commit.id), not the tag object in after',
    r: github,
    field: 'revision',
    expected: SHA_B,
    request: () => {
      const body = JSON.stringify(
        githubPush({
          ref: 'refs/tags/v3.0.0',
          before: '0'.repeat(40),
          after: SHA_C,
          created: true,
          commits: [],
          head_commit: { id: SHA_B, message: 'Release' },
        }),
      );
      return { headers: githubHeaders(body), body };
    },
  },
  {
    name: 'a GitHub branch push reports after even when head_commit differs',
    r: github,
    field: 'revision',
    expected: SHA_B,
    request: () => {
      const body = JSON.stringify(githubPush({ head_commit: { id: SHA_C } }));
      return { headers: githubHeaders(body), body };
    },
  },
];

for (const c of publishedField) {
  test(c.name, async () => {
    // Prepare
    const { headers, body } = c.request();
    // Act
    const { intake, response } = await deliverOnce(c.r, headers, body);
    // Assess
    assert.equal(response.status, 200);
    assert.equal(intake.bus.published[0]?.detail[c.field], c.expected);
  });
}

test('a GitLab System Hook for another event is acknowledged with 202 and emits nothing', async () => {
  // Prepare
  const body = JSON.stringify({ event_name: 'project_create', name: 'fleet', path_with_namespace: 'platform/fleet' });
  const headers = { 'Content-Type': 'application/json', 'X-Gitlab-Event': 'System Hook', 'X-Gitlab-Token': TOKEN };
  // Act
  const { intake, response } = await deliverOnce(gitlab, headers, body);
  // Assess
  assert.equal(response.status, 202);
  assert.match(reasonOf(response), /project_create/);
  assert.equal(intake.bus.published.length, 0);
});

test('a GitLab annotated tag push reports the tagged commit (checkout_sha), not the tag object', async () => {
  // Prepare
  const body = JSON.stringify(
    gitlabPush({ object_kind: 'tag_push', event_name: 'tag_push', ref: 'refs/tags/v2.0.0', before: '0'.repeat(40), after: SHA_C, checkout_sha: SHA_B }),
  );
  const headers = { 'Content-Type': 'application/json', 'X-Gitlab-Event': 'Tag Push Hook', 'X-Gitlab-Token': TOKEN };
  // Act
  const { intake, response } = await deliverOnce(gitlab, headers, body);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published[0]?.detail.revision, SHA_B);
  assert.equal(intake.bus.published[0]?.detail.ref, 'refs/tags/v2.0.0');
});

test('a GitLab signature made with a bare base64 secret (Standard Webhooks libraries decode it) verifies', async () => {
  // Prepare
  const key = Buffer.from('0123456789abcdef0123456789abcdef');
  const secret = key.toString('base64');
  const intake = makeIntake([gitlab], { [gitlab.metadata.name]: secret });
  const body = JSON.stringify(gitlabPush());
  const timestamp = String(Math.floor(intake.clock.now() / 1000));
  const signature = createHmac('sha256', key).update(`msg-1.${timestamp}.${body}`).digest('base64');
  const headers = {
    'Content-Type': 'application/json',
    'X-Gitlab-Event': 'Push Hook',
    'webhook-id': 'msg-1',
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,AAAA v1,${signature}`,
  };
  // Act
  const response = await deliver(intake, gitlab, headers, body, secret);
  // Assess
  assert.equal(response.status, 200);
});

test('Bitbucket’s X-Hook-UUID (the same for every delivery of a webhook) is not taken as the delivery id', async () => {
  // Prepare
  const intake = makeIntake([bitbucket]);
  const send = async (hash: string): Promise<number> => {
    const body = JSON.stringify(bitbucketPush([bitbucketChange('main', hash, SHA_A)]));
    const headers = {
      'Content-Type': 'application/json',
      'X-Event-Key': 'repo:push',
      'X-Hook-UUID': 'b6a2f0a3-hook',
      'X-Hub-Signature': `sha256=${hmacHex('sha256', TOKEN, body)}`,
    };
    return (await deliver(intake, bitbucket, headers, body)).status;
  };
  // Act
  const statuses = [await send(SHA_B), await send(SHA_C)];
  // Assess
  assert.deepEqual(statuses, [200, 200]);
  assert.equal(intake.bus.published.length, 2);
});

test('a receiver path with a trailing slash or a query string reaches the receiver', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const statuses: number[] = [];
  // Act
  for (const [index, suffix] of ['/', '?source=ci', '/?a=1'].entries()) {
    const body = JSON.stringify(githubPush());
    const headers = githubHeaders(body, { 'X-GitHub-Delivery': `d-${index}` });
    statuses.push((await handleWebhook(request(`${pathOf(github)}${suffix}`, headers, body), intake.deps)).status);
  }
  // Assess
  assert.deepEqual(statuses, [200, 200, 200]);
});

test('a request with another method answers 405 with Allow: POST through the payload 2.0 adapter', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: pathOf(github),
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: { http: { method: 'HEAD', path: pathOf(github) }, requestId: 'r1' },
  } as unknown as APIGatewayProxyEventV2;
  // Act
  const result = await handleApiGatewayV2(event, intake.deps);
  // Assess
  assert.equal(result.statusCode, 405);
  assert.equal(result.headers?.['allow'], 'POST');
});

test('a body over 1 MiB answers 413 whatever Content-Length claims', async () => {
  // Prepare
  const body = Buffer.alloc(1024 * 1024 + 1, 0x20);
  // Act
  const { response } = await deliverOnce(github, { 'Content-Type': 'application/json', 'Content-Length': '12' }, body);
  // Assess
  assert.equal(response.status, 413);
});

test('a Gitea push reaches a github-type receiver through the GitHub headers Gitea also sends, as with Flux', async () => {
  // Prepare
  const body = JSON.stringify(giteaPush());
  const headers = {
    'Content-Type': 'application/json',
    'X-Gitea-Event': 'push',
    'X-Gitea-Signature': hmacHex('sha256', TOKEN, body),
    'X-GitHub-Event': 'push',
    'X-GitHub-Delivery': 'gitea-as-github',
    'X-Hub-Signature': `sha1=${hmacHex('sha1', TOKEN, body)}`,
    'X-Hub-Signature-256': `sha256=${hmacHex('sha256', TOKEN, body)}`,
  };
  // Act
  const { intake, response } = await deliverOnce(github, headers, body);
  // Assess
  assert.equal(response.status, 200);
  assert.deepEqual(intake.bus.published[0]?.detail.repository?.urls, ['https://gitea.example.com/infra/fleet.git', 'git@gitea.example.com:infra/fleet.git']);
});

test('spec.events does not filter generic-hmac requests, as Flux ignores it for that type', async () => {
  // Prepare
  const limited = receiver('generic-hmac', { events: ['release'] });
  const body = genericBody();
  // Act
  const { intake, response } = await deliverOnce(limited, genericHeaders(body), body);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published.length, 1);
});
