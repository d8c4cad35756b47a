import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TidelineError } from '#shared/errors/index.ts';
import { IsomorphicGitSource } from '#shared/git/index.ts';
import { createGitRepo } from '#test/env/index.ts';

test('a server that speaks Git protocol v1 only: refs resolve and the head checks out; an older commit is a clear error', async (t) => {
  const repo = await createGitRepo({ name: 'v1-only', files: { 'a.yaml': 'a: 1\n' } });
  const first = await repo.head();
  await repo.tag('v1.0.0', undefined, 'release');
  const second = await repo.commit({ 'a.yaml': 'a: 2\n' }, 'Second');
  // Without the Git-Protocol header, git http-backend answers in protocol v1, as an old server does.
  const upstream = new URL(repo.url);
  const proxy = createServer((req, res) => {
    const headers = { ...req.headers };
    delete headers['git-protocol'];
    const forwarded = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forwarded);
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => proxy.once('listening', resolve));
  t.after(() => {
    proxy.closeAllConnections();
    proxy.close();
  });
  const dir = mkdtempSync(join(tmpdir(), 'tideline-git-v1-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}${upstream.pathname}`;
  const git = new IsomorphicGitSource({ cacheDir: dir });

  const tag = await git.resolve({ url, ref: { tag: 'v1.0.0' } });
  const checkout = await git.checkout({ url, ref: { branch: 'main' } });

  assert.equal(tag.revision, `v1.0.0@sha1:${first}`);
  assert.equal(checkout.revision, `main@sha1:${second}`);
  assert.equal(readFileSync(join(checkout.dir, 'a.yaml'), 'utf8'), 'a: 2\n');
  await assert.rejects(
    git.checkout({ url, ref: { commit: first } }),
    (error: unknown) => error instanceof TidelineError && /protocol v1 only/.test(error.message),
  );
});
