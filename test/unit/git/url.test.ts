import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '#shared/errors/index.ts';
import { parseCloneUrl, redactUrl } from '#shared/git/url.ts';
import { authHeaders } from '#shared/git/source.ts';

test('ssh:// and scp-like git@ URLs are refused with the reason and the https alternative', () => {
  for (const url of ['ssh://git@github.com/org/fleet.git', 'git@github.com:org/fleet.git']) {
    // Act
    const act = () => parseCloneUrl(url);
    // Assess
    assert.throws(
      act,
      (error: unknown) =>
        error instanceof InvalidInputError && /HTTP\(S\) only/.test(error.message) && /https:\/\//.test(error.message) && /secretRef/.test(error.message),
      url,
    );
  }
});

test('userinfo in a clone URL is split off into username and password, the trailing slash dropped', () => {
  // Act
  const parsed = parseCloneUrl('https://bot:s3cr3t-token@git.example/org/fleet.git/');
  // Assess
  assert.deepEqual(parsed, { url: 'https://git.example/org/fleet.git', username: 'bot', password: 's3cr3t-token' });
});

test('userinfo in a URL inside a message is redacted', () => {
  // Act
  const redacted = redactUrl('failed: https://bot:s3cr3t-token@git.example/x');
  // Assess
  assert.equal(redacted, 'failed: https://git.example/x');
});

test('a refused clone URL with userinfo is an InvalidInputError that does not show the password', () => {
  // Act
  const act = () => parseCloneUrl('ftp://bot:s3cr3t-token@git.example/x');
  // Assess
  assert.throws(act, (error: unknown) => error instanceof InvalidInputError && !error.message.includes('s3cr3t'));
});

test('a bearer token wins over basic auth, as in Flux', () => {
  // Act
  const headers = authHeaders({ username: 'u', password: 'p', bearerToken: 't' });
  // Assess
  assert.deepEqual(headers, { authorization: 'Bearer t' });
});

test('a username and password become a basic authorization header', () => {
  // Act
  const headers = authHeaders({ username: 'u', password: 'p' });
  // Assess
  assert.deepEqual(headers, { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
});

test('no credentials send no authorization header', () => {
  // Act
  const headers = authHeaders(undefined);
  // Assess
  assert.deepEqual(headers, {});
});
