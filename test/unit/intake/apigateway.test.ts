import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handleApiGatewayV2, requestFromApiGatewayV2 } from '#shared/intake/index.ts';
import { githubHeaders, githubPush, makeIntake, pathOf, receiver } from './helpers.ts';

const github = receiver('github');

function functionUrlEvent(path: string, headers: Record<string, string>, body: string, base64: boolean): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdefghij',
      domainName: 'abcdefghij.lambda-url.eu-west-1.on.aws',
      domainPrefix: 'abcdefghij',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'GitHub-Hookshot/044aadd' },
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      routeKey: '$default',
      stage: '$default',
      time: '01/Mar/2026:12:00:00 +0000',
      timeEpoch: 1772366400000,
    },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  };
}

test('a base64-encoded payload 2.0 body is decoded to the exact signed bytes', () => {
  // Prepare
  const body = JSON.stringify(githubPush({ pusher: { name: 'ünïcødé' } }));
  // Act
  const request = requestFromApiGatewayV2(functionUrlEvent('/hook/x', {}, body, true));
  // Assess
  assert.equal(request.body.toString('utf8'), body);
  assert.equal(request.method, 'POST');
  assert.equal(request.path, '/hook/x');
});

test('a signed push through the payload 2.0 adapter answers 200 with a JSON body', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const body = JSON.stringify(githubPush());
  // Act
  const result = await handleApiGatewayV2(functionUrlEvent(pathOf(github), githubHeaders(body), body, true), intake.deps);
  // Assess
  assert.equal(result.statusCode, 200);
  assert.equal(result.headers?.['content-type'], 'application/json');
  assert.equal(JSON.parse(result.body ?? '{}').status, 'accepted');
  assert.equal(intake.bus.published.length, 1);
});

test('a plain-text payload 2.0 body is used as is', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const body = JSON.stringify(githubPush());
  // Act
  const result = await handleApiGatewayV2(functionUrlEvent(pathOf(github), githubHeaders(body), body, false), intake.deps);
  // Assess
  assert.equal(result.statusCode, 200);
});

test('a store outage answers 503 without detail so the sender retries', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const failing = {
    ...intake.deps,
    deliveries: {
      putIfAbsent: async () => Promise.reject(new Error('connection reset')),
      claim: async () => Promise.reject(new Error('connection reset')),
      complete: async () => Promise.reject(new Error('connection reset')),
      delete: async () => {},
    },
  };
  const body = JSON.stringify(githubPush());
  // Act
  const result = await handleApiGatewayV2(functionUrlEvent(pathOf(github), githubHeaders(body), body, false), failing);
  // Assess
  assert.equal(result.statusCode, 503);
  assert.equal((result.body ?? '').includes('connection reset'), false);
});

test('a named HTTP API stage prefix is removed from the path before the receiver is looked up', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const body = JSON.stringify(githubPush());
  const event = functionUrlEvent(`/prod${pathOf(github)}`, githubHeaders(body), body, true);
  event.requestContext.stage = 'prod';
  // Act
  const result = await handleApiGatewayV2(event, intake.deps);
  // Assess
  assert.equal(result.statusCode, 200);
  assert.equal(intake.bus.published.length, 1);
});

test('a payload 2.0 event with upper-case header names and a form body is verified and accepted', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const raw = `payload=${encodeURIComponent(JSON.stringify(githubPush()))}`;
  const event = functionUrlEvent(pathOf(github), {}, raw, true);
  event.headers = githubHeaders(raw, { 'CONTENT-TYPE': 'application/x-www-form-urlencoded' });
  delete event.headers['Content-Type'];
  // Act
  const result = await handleApiGatewayV2(event, intake.deps);
  // Assess
  assert.equal(result.statusCode, 200);
});
