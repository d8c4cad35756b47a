import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { NotFoundError, TransientError, UnauthorizedError } from '#shared/errors/index.ts';
import { IsomorphicGitSource } from '#shared/git/index.ts';
import { createGitRepo } from '#test/env/index.ts';

const execFileAsync = promisify(execFile);

function scratch(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tideline-git-source-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function source(t: { after(fn: () => void): void }): IsomorphicGitSource {
  return new IsomorphicGitSource({ cacheDir: scratch(t) });
}

/** Every file under `dir` as path → content. */
function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return out;
}

function packBytes(cacheDir: string): number {
  const repo = readdirSync(join(cacheDir, 'repos'))[0] as string;
  const packDir = join(cacheDir, 'repos', repo, 'objects', 'pack');
  return readdirSync(packDir)
    .filter((f) => f.endsWith('.pack'))
    .reduce((sum, f) => sum + statSync(join(packDir, f)).size, 0);
}

/** A fleet repo's usual top-level folders, a script and a README. */
const FLEET_LAYOUT = {
  'clusters/dev/app.yaml': 'kind: ConfigMap\n',
  'apps/base/deploy.yaml': 'kind: Deployment\n',
  'scripts/run.sh': '#!/bin/sh\n',
  'README.md': 'fleet\n',
};

/** Files Flux's default excludes, a nested .sourceignore (of apps/local/) and a spec.ignore of /docs/ each act on. */
const IGNORED_LAYOUT = {
  'apps/a.yaml': 'a\n',
  'apps/local/dev.yaml': 'dev\n',
  'apps/.sourceignore': 'local/\n',
  'logo.png': 'png',
  'docs/guide.md': 'doc\n',
  '.github/workflows/ci.yaml': 'ci\n',
};

test('refs resolve as Flux resolves them: branch, tag, annotated tag, semver, name and commit', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'refs', files: { 'a.yaml': 'a: 1\n' } });
  const first = await repo.head();
  await repo.tag('v1.0.0');
  const second = await repo.commit({ 'a.yaml': 'a: 2\n' }, 'Second');
  await repo.tag('v1.1.0', undefined, 'release 1.1.0');
  await repo.tag('v2.0.0-rc.1');
  const git = source(t);

  // Act and assess
  assert.deepEqual(await git.resolve({ url: repo.url, ref: { branch: 'main' } }), { revision: `main@sha1:${second}`, commit: second, ref: 'refs/heads/main' });
  assert.equal((await git.resolve({ url: repo.url, ref: { tag: 'v1.0.0' } })).revision, `v1.0.0@sha1:${first}`);
  assert.equal((await git.resolve({ url: repo.url, ref: { tag: 'v1.1.0' } })).commit, second, 'the annotated tag is peeled to its commit');
  assert.equal((await git.resolve({ url: repo.url, ref: { semver: '1.x' } })).revision, `v1.1.0@sha1:${second}`);
  assert.equal((await git.resolve({ url: repo.url, ref: { name: 'refs/tags/v1.0.0' } })).revision, `refs/tags/v1.0.0@sha1:${first}`);
  assert.deepEqual(await git.resolve({ url: repo.url, ref: { commit: first } }), { revision: `sha1:${first}`, commit: first });
});

test('a checkout holds exactly the files git archive gives for that commit', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'archive', files: FLEET_LAYOUT });
  const head = await repo.head();
  const expected = scratch(t);
  await execFileAsync('sh', ['-c', `git --git-dir="${repo.bareDir}" archive ${head} | tar -x -C "${expected}"`]);

  // Act
  const checkout = await source(t).checkout({ url: repo.url, ref: { branch: 'main' } });

  // Assess
  assert.equal(checkout.commit, head);
  assert.deepEqual(readTree(checkout.dir), readTree(expected));
  assert.ok(checkout.commitTime > Date.now() - 3_600_000 && checkout.commitTime <= Date.now() + 1000);
});

test('symlinks are left out of the tree, as from a Flux artifact', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'symlinks', files: { 'apps/deploy.yaml': 'kind: Deployment\n' } });
  const work = scratch(t);
  const env = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@t',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@t',
  };
  const gitCli = (...args: string[]) => execFileAsync('git', args, { cwd: work, env });
  await gitCli('clone', '--quiet', repo.bareDir, '.');
  await execFileAsync('ln', ['-s', 'deploy.yaml', join(work, 'apps', 'inside.yaml')]);
  await execFileAsync('ln', ['-s', '/etc/passwd', join(work, 'apps', 'outside.yaml')]);
  await gitCli('add', '--all');
  await gitCli('commit', '--quiet', '-m', 'links');
  await gitCli('push', '--quiet', 'origin', 'HEAD:refs/heads/main');

  // Act
  const checkout = await source(t).checkout({ url: repo.url, ref: { branch: 'main' } });

  // Assess
  assert.deepEqual(readTree(checkout.dir), { 'apps/deploy.yaml': 'kind: Deployment\n' });
});

test('after a new commit the fetch is incremental, and an older commit can still be checked out', async (t) => {
  // Prepare
  const files: Record<string, string> = {};
  for (let i = 0; i < 300; i++) files[`apps/app${i % 10}/cm-${i}.yaml`] = `apiVersion: v1\nkind: ConfigMap\ndata:\n  key: "${'value '.repeat(20)}${i}"\n`;
  const repo = await createGitRepo({ name: 'incremental', files });
  const cacheDir = scratch(t);
  const git = new IsomorphicGitSource({ cacheDir });
  const first = await git.checkout({ url: repo.url, ref: { branch: 'main' } });
  const firstPack = packBytes(cacheDir);
  const second = await repo.commit({ 'apps/app1/cm-1.yaml': 'changed: true\n' }, 'Change one file');

  // Act
  const next = await git.checkout({ url: repo.url, ref: { branch: 'main' } });
  const older = await git.checkout({ url: repo.url, ref: { branch: 'main' } }, first.commit);

  // Assess
  assert.equal(next.commit, second);
  assert.equal(readFileSync(join(next.dir, 'apps/app1/cm-1.yaml'), 'utf8'), 'changed: true\n');
  assert.ok(packBytes(cacheDir) - firstPack < firstPack / 10, `the second fetch brought ${packBytes(cacheDir) - firstPack} bytes, the first ${firstPack}`);
  assert.equal(older.dir, first.dir, 'the tree of a revision already written is reused');
  assert.notEqual(readFileSync(join(older.dir, 'apps/app1/cm-1.yaml'), 'utf8'), 'changed: true\n');
});

test('a branch rewritten from an older commit (a force-push) checks out complete from a cache that holds the old head', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'rewritten', files: { 'a.yaml': 'a: 1\n', 'b.yaml': 'b: 1\n' } });
  const first = await repo.head();
  await repo.commit({ 'a.yaml': 'a: 2\n' }, 'Second');
  const git = source(t);
  await git.checkout({ url: repo.url, ref: { branch: 'main' } });
  await repo.branch('rewritten', first);
  await repo.checkout('rewritten');
  const rewritten = await repo.commit({ 'b.yaml': 'b: 2\n' }, 'Instead of Second');

  // Act
  const checkout = await git.checkout({ url: repo.url, ref: { branch: 'rewritten' } });

  // Assess
  assert.equal(checkout.commit, rewritten);
  assert.deepEqual(readTree(checkout.dir), { 'a.yaml': 'a: 1\n', 'b.yaml': 'b: 2\n' });
});

test('a commit that is no longer a branch head is fetched by its id into an empty cache', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'by-id', files: { 'a.yaml': 'a: 1\n' } });
  const first = await repo.head();
  await repo.commit({ 'a.yaml': 'a: 2\n' }, 'Second');

  // Act
  const checkout = await source(t).checkout({ url: repo.url, ref: { branch: 'main' } }, first);

  // Assess
  assert.equal(checkout.revision, `main@sha1:${first}`);
  assert.equal(readFileSync(join(checkout.dir, 'a.yaml'), 'utf8'), 'a: 1\n');
});

test("Flux's ignore rules: default excludes, .sourceignore at any level, spec.ignore", async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'ignore', files: IGNORED_LAYOUT });
  const git = source(t);

  // Act
  const withSourceIgnore = readTree((await git.checkout({ url: repo.url, ref: { branch: 'main' } })).dir);
  const withSpecIgnore = readTree((await git.checkout({ url: repo.url, ref: { branch: 'main' }, ignore: '/docs/\n' })).dir);

  // Assess
  // A .sourceignore replaces the default excludes, so logo.png and .github stay, as in Flux.
  assert.deepEqual(Object.keys(withSourceIgnore).sort(), ['.github/workflows/ci.yaml', 'apps/.sourceignore', 'apps/a.yaml', 'docs/guide.md', 'logo.png']);
  assert.deepEqual(Object.keys(withSpecIgnore).sort(), ['.github/workflows/ci.yaml', 'apps/.sourceignore', 'apps/a.yaml', 'logo.png']);
});

test('basic auth: the right password fetches, a wrong one is Unauthorized without the password in the message', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'private', files: { 'a.yaml': 'a: 1\n' }, auth: true });
  const git = source(t);
  const wrong = 'not-the-password-4711';

  // Act
  const checkout = await git.checkout({
    url: repo.url,
    ref: { branch: 'main' },
    credentials: { username: repo.username as string, password: repo.password as string },
  });

  // Assess
  assert.equal(readFileSync(join(checkout.dir, 'a.yaml'), 'utf8'), 'a: 1\n');
  await assert.rejects(
    git.resolve({ url: repo.url, ref: { branch: 'main' }, credentials: { username: repo.username as string, password: wrong } }),
    (error: unknown) => {
      assert.ok(error instanceof UnauthorizedError, String(error));
      assert.ok(!error.message.includes(wrong));
      assert.ok(error.message.includes(repo.url) && error.message.includes('branch main'), error.message);
      return true;
    },
  );
});

test('credentials written into the URL are used and never shown', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'userinfo', files: { 'a.yaml': 'a: 1\n' }, auth: true });
  const withUserinfo = (password: string) => repo.url.replace('http://', `http://${repo.username as string}:${password}@`);
  const git = source(t);

  // Act
  const resolved = await git.resolve({ url: withUserinfo(repo.password as string), ref: { branch: 'main' } });

  // Assess
  assert.equal(resolved.commit, await repo.head());
  await assert.rejects(
    git.resolve({ url: withUserinfo('wrong-pass-0815'), ref: { branch: 'main' } }),
    (error: unknown) => error instanceof UnauthorizedError && !error.message.includes('wrong-pass-0815') && error.message.includes(repo.url),
  );
});

test('a server that accepts the connection but never answers fails with a Transient timeout after spec.timeout', async (t) => {
  // Prepare
  const silent = createServer(() => undefined).listen(0, '127.0.0.1');
  await new Promise((resolve) => silent.once('listening', resolve));
  t.after(() => silent.close());
  const { port } = silent.address() as { port: number };
  const started = Date.now();

  // Act and assess
  await assert.rejects(
    source(t).resolve({ url: `http://127.0.0.1:${port}/fleet.git`, ref: { branch: 'main' }, timeoutMs: 300 }),
    (error: unknown) => error instanceof TransientError && /timed out after 0.3s/.test(error.message),
  );
  assert.ok(Date.now() - started < 5_000);
});

test('a bearer token is sent as Authorization: Bearer', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'bearer', files: { 'a.yaml': 'a: 1\n' }, bearerToken: 'tok-123456' });
  const git = source(t);

  // Act
  const checkout = await git.checkout({ url: repo.url, ref: { branch: 'main' }, credentials: { bearerToken: 'tok-123456' } });

  // Assess
  assert.equal(checkout.commit, await repo.head());
  await assert.rejects(git.resolve({ url: repo.url, ref: { branch: 'main' }, credentials: { bearerToken: 'tok-wrong' } }), UnauthorizedError);
});

test('a missing repository and a missing branch are NotFound naming them; a server that is down is Transient', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'present', files: { 'a.yaml': 'a: 1\n' } });
  const git = source(t);
  const closed = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

  // Act and assess
  await assert.rejects(git.checkout({ url: repo.url.replace('present.git', 'absent.git'), ref: { branch: 'main' } }), NotFoundError);
  await assert.rejects(
    git.checkout({ url: repo.url, ref: { branch: 'release' } }),
    (error: unknown) => error instanceof NotFoundError && /branch release not found/.test(error.message),
  );
  await assert.rejects(
    git.checkout({ url: repo.url, ref: { commit: 'f'.repeat(40) } }),
    (error: unknown) => error instanceof NotFoundError && error.message.includes(`commit ${'f'.repeat(40)} is not in the repository`),
  );
  await assert.rejects(
    git.resolve({ url: `http://127.0.0.1:${closed}/org/fleet.git`, ref: { branch: 'main' } }),
    (error: unknown) => error instanceof TransientError && error.message.includes(`127.0.0.1:${closed}`),
  );
});

test('two checkouts of one repository at once both succeed with the same tree', async (t) => {
  // Prepare
  const repo = await createGitRepo({ name: 'concurrent', files: { 'a.yaml': 'a: 1\n', 'b/c.yaml': 'c: 1\n' } });
  const git = source(t);

  // Act
  const [one, two] = await Promise.all([git.checkout({ url: repo.url, ref: { branch: 'main' } }), git.checkout({ url: repo.url, ref: { branch: 'main' } })]);

  // Assess
  assert.equal(one.dir, two.dir);
  assert.deepEqual(readTree(one.dir), { 'a.yaml': 'a: 1\n', 'b/c.yaml': 'c: 1\n' });
});
