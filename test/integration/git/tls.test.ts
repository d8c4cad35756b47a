import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { InvalidInputError } from '#shared/errors/index.ts';
import { IsomorphicGitSource } from '#shared/git/index.ts';
import { createGitRepo } from '#test/env/index.ts';
import { makeServingCertificate } from '#test/env/kube.ts';
import { proxyGitRepo } from './helpers.ts';

/** A test Git repository behind an HTTPS proxy whose certificate a throwaway CA signed. */
async function privateCaGitServer(t: TestContext): Promise<{ url: string; ca: string; git: IsomorphicGitSource }> {
  const repo = await createGitRepo({ name: 'tls', files: { 'a.yaml': 'a: 1\n' } });
  const dir = mkdtempSync(join(tmpdir(), 'tideline-git-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { ca, cert, key } = await makeServingCertificate(dir, 'git', ['IP:127.0.0.1']);
  // TLS in front of the test Git server: every request is passed on as it came.
  const url = await proxyGitRepo(t, repo.url, { tls: { cert, key } });
  return { url, ca, git: new IsomorphicGitSource({ cacheDir: join(dir, 'cache') }) };
}

test('an HTTPS Git server signed by a private CA is trusted with ca.crt', async (t) => {
  // Prepare
  const { url, ca, git } = await privateCaGitServer(t);

  // Act
  const checkout = await git.checkout({ url, ref: { branch: 'main' }, credentials: { caCert: ca } });

  // Assess
  assert.equal(readFileSync(join(checkout.dir, 'a.yaml'), 'utf8'), 'a: 1\n');
});

test('an HTTPS Git server signed by a private CA is refused without ca.crt, with an error naming ca.crt', async (t) => {
  // Prepare
  const { url, git } = await privateCaGitServer(t);

  // Act
  const resolving = git.resolve({ url, ref: { branch: 'main' } });

  // Assess
  await assert.rejects(resolving, (error: unknown) => error instanceof InvalidInputError && /not trusted/.test(error.message) && /ca\.crt/.test(error.message));
});
