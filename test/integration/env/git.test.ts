import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { createGitRepo } from '#test/env/index.ts';

function scratchDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tideline-git-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('isomorphic-git clones a public repository and sees the commit the helper pushed', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'fleet', files: { 'clusters/prod/app.yaml': 'kind: ConfigMap\n' } });
  const head = await repo.commit({ 'clusters/prod/app.yaml': 'kind: Secret\n', 'README.md': 'fleet\n' }, 'Second commit');
  const dir = scratchDir(t);

  // Act
  await git.clone({ fs, http, dir, url: repo.url, singleBranch: true, depth: 1 });

  // Assess
  assert.equal(await git.resolveRef({ fs, dir, ref: 'HEAD' }), head);
  assert.equal(readFileSync(join(dir, 'clusters/prod/app.yaml'), 'utf8'), 'kind: Secret\n');
});

test('isomorphic-git clones a repository that requires basic auth when given the credentials', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'private-fleet', files: { 'a.yaml': 'a: 1\n' }, auth: true });
  const dir = scratchDir(t);
  assert.ok(repo.username !== undefined && repo.password !== undefined);
  const credentials = { username: repo.username, password: repo.password };

  // Act
  await git.clone({ fs, http, dir, url: repo.url, onAuth: () => credentials });

  // Assess
  assert.equal(await git.resolveRef({ fs, dir, ref: 'HEAD' }), await repo.head());
});

test('a repository that requires basic auth refuses a wrong password and no credentials', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'locked', files: { 'a.yaml': 'a: 1\n' }, auth: true });

  // Act and assess
  await assert.rejects(
    git.clone({
      fs,
      http,
      dir: scratchDir(t),
      url: repo.url,
      onAuth: () => ({ username: repo.username, password: 'wrong' }),
      onAuthFailure: () => ({ cancel: true }),
    }),
    (error: Error & { code?: string; data?: { statusCode?: number } }) => {
      assert.ok(error.code === 'HttpError' || error.code === 'UserCanceledError', `unexpected error ${error.code}: ${error.message}`);
      return true;
    },
  );
  await assert.rejects(git.clone({ fs, http, dir: scratchDir(t), url: repo.url }), (error: Error & { data?: { statusCode?: number } }) => {
    assert.equal(error.data?.statusCode, 401);
    return true;
  });
});

test('tags and branches pushed by the helper are visible to a remote listing', async () => {
  // Prepare
  const repo = await createGitRepo({ name: 'refs', files: { 'a.yaml': 'a: 1\n' } });
  const first = await repo.head();
  await repo.tag('v1.0.0', undefined, 'release 1.0.0');
  await repo.checkout('staging');
  const staging = await repo.commit({ 'a.yaml': 'a: 2\n' }, 'Staging change');

  // Act
  const refs = await git.listServerRefs({ http, url: repo.url, peelTags: true });

  // Assess
  const byName = new Map(refs.map((ref) => [ref.ref, ref]));
  assert.equal(byName.get('refs/heads/main')?.oid, first);
  assert.equal(byName.get('refs/heads/staging')?.oid, staging);
  assert.equal(byName.get('refs/tags/v1.0.0')?.peeled, first);
});

test('a push over HTTP to the test server lands in the repository', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'pushable', files: { 'a.yaml': 'a: 1\n' }, auth: true });
  const dir = scratchDir(t);
  const onAuth = () => ({ username: repo.username, password: repo.password });
  await git.clone({ fs, http, dir, url: repo.url, onAuth });
  fs.writeFileSync(join(dir, 'b.yaml'), 'b: 2\n');
  await git.add({ fs, dir, filepath: 'b.yaml' });
  const sha = await git.commit({ fs, dir, message: 'Pushed over HTTP', author: { name: 'Test', email: 'test@tideline.invalid' } });

  // Act
  const result = await git.push({ fs, http, dir, remote: 'origin', ref: 'main', onAuth });

  // Assess
  assert.equal(result.ok, true);
  assert.equal(await repo.head(), sha);
});
