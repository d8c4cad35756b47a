import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { TidelineError } from '#shared/errors/index.ts';
import { IsomorphicGitSource } from '#shared/git/index.ts';
import { createGitRepo } from '#test/env/index.ts';
import { importBundled } from '#test/infra/bundle.ts';
import { proxyGitRepo } from './helpers.ts';

test('a server that speaks Git protocol v1 only: refs resolve and the head checks out; an older commit is a clear error', async (t) => {
  await checksOutFromV1Server(t, { IsomorphicGitSource, TidelineError });
});

test("the same through a function bundle's substitutes: isomorphic-git's fetch lists the pack with Node's zlib in place of pako", async (t) => {
  // Prepare
  const bundled = await importBundled<Engine>(
    "export { IsomorphicGitSource } from '#shared/git/index.ts'; export { TidelineError } from '#shared/errors/index.ts';",
  );

  // Act, Assess
  assert.notEqual(bundled.IsomorphicGitSource, IsomorphicGitSource);
  await checksOutFromV1Server(t, bundled);
});

/** The Git source and its error class, from the modules or from a bundle of them. */
interface Engine {
  IsomorphicGitSource: typeof IsomorphicGitSource;
  TidelineError: typeof TidelineError;
}

/** Resolves a tag and checks out the head from a v1-only server; a commit it cannot fetch by id is a clear error. */
async function checksOutFromV1Server(t: TestContext, engine: Engine): Promise<void> {
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
  const git = new engine.IsomorphicGitSource({ cacheDir: dir });

  // Act
  const tag = await git.resolve({ url, ref: { tag: 'v1.0.0' } });
  const checkout = await git.checkout({ url, ref: { branch: 'main' } });

  // Assess
  assert.equal(tag.revision, `v1.0.0@sha1:${first}`);
  assert.equal(checkout.revision, `main@sha1:${second}`);
  assert.equal(readFileSync(join(checkout.dir, 'a.yaml'), 'utf8'), 'a: 2\n');
  await assert.rejects(
    git.checkout({ url, ref: { commit: first } }),
    (error: unknown) => error instanceof engine.TidelineError && /protocol v1 only/.test(error.message),
  );
}
