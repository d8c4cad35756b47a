import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TidelineError } from '#shared/errors/index.ts';
import { IsomorphicGitSource } from '#shared/git/index.ts';
import { createGitRepo } from '#test/env/index.ts';
import { proxyGitRepo } from './helpers.ts';

test('a server that speaks Git protocol v1 only: refs resolve and the head checks out; an older commit is a clear error', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'v1-only', files: { 'a.yaml': 'a: 1\n' } });
  const first = await repo.head();
  await repo.tag('v1.0.0', undefined, 'release');
  const second = await repo.commit({ 'a.yaml': 'a: 2\n' }, 'Second');
  // Without the Git-Protocol header, git http-backend answers in protocol v1, as an old server does.
  const url = await proxyGitRepo(t, repo.url, {
    headers: (headers) => {
      delete headers['git-protocol'];
      return headers;
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'tideline-git-v1-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const git = new IsomorphicGitSource({ cacheDir: dir });

  // Act
  const tag = await git.resolve({ url, ref: { tag: 'v1.0.0' } });
  const checkout = await git.checkout({ url, ref: { branch: 'main' } });

  // Assess
  assert.equal(tag.revision, `v1.0.0@sha1:${first}`);
  assert.equal(checkout.revision, `main@sha1:${second}`);
  assert.equal(readFileSync(join(checkout.dir, 'a.yaml'), 'utf8'), 'a: 2\n');
  await assert.rejects(
    git.checkout({ url, ref: { commit: first } }),
    (error: unknown) => error instanceof TidelineError && /protocol v1 only/.test(error.message),
  );
});
