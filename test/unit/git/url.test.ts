import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '#shared/errors/index.ts';
import { parseCloneUrl, redactUrl } from '#shared/git/url.ts';
import { authHeaders } from '#shared/git/source.ts';

test('ssh:// and scp-like git@ URLs are refused with the reason and the https alternative', () => {
  for (const url of ['ssh://git@github.com/org/fleet.git', 'git@github.com:org/fleet.git']) {
    assert.throws(
      () => parseCloneUrl(url),
      (error: unknown) => error instanceof InvalidInputError && /HTTP\(S\) only/.test(error.message) && /https:\/\//.test(error.message) && /secretRef/.test(error.message),
    );
  }
});

test('userinfo in a URL is split off and never shown', () => {
  const parsed = parseCloneUrl('https://bot:s3cr3t-token@git.example/org/fleet.git/');

  assert.deepEqual(parsed, { url: 'https://git.example/org/fleet.git', username: 'bot', password: 's3cr3t-token' });
  assert.equal(redactUrl('failed: https://bot:s3cr3t-token@git.example/x'), 'failed: https://git.example/x');
  assert.throws(() => parseCloneUrl('ftp://bot:s3cr3t-token@git.example/x'), (error: unknown) => error instanceof InvalidInputError && !error.message.includes('s3cr3t'));
});

test('a bearer token wins over basic auth, as in Flux', () => {
  assert.deepEqual(authHeaders({ username: 'u', password: 'p', bearerToken: 't' }), { authorization: 'Bearer t' });
  assert.deepEqual(authHeaders({ username: 'u', password: 'p' }), { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
  assert.deepEqual(authHeaders(undefined), {});
});
