import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { InvalidInputError } from '#shared/errors/index.ts';
import { IsomorphicGitSource } from '#shared/git/index.ts';
import { createGitRepo } from '#test/env/index.ts';
import { proxyGitRepo } from './helpers.ts';

const execFileAsync = promisify(execFile);

/** A throwaway CA and a certificate for 127.0.0.1 signed by it. */
async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await execFileAsync(
    'openssl',
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=tideline-git-test-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    { cwd: dir },
  );
  await execFileAsync('openssl', ['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=git'], { cwd: dir });
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await execFileAsync(
    'openssl',
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext'],
    { cwd: dir },
  );
  return {
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    cert: readFileSync(join(dir, 'server.crt'), 'utf8'),
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
  };
}

test('an HTTPS Git server signed by a private CA is trusted with ca.crt, and refused without it', async (t) => {
  const repo = await createGitRepo({ name: 'tls', files: { 'a.yaml': 'a: 1\n' } });
  const dir = mkdtempSync(join(tmpdir(), 'tideline-git-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { ca, cert, key } = await makeCertificates(dir);
  // TLS in front of the test Git server: every request is passed on as it came.
  const url = await proxyGitRepo(t, repo.url, { tls: { cert, key } });
  const git = new IsomorphicGitSource({ cacheDir: join(dir, 'cache') });

  const checkout = await git.checkout({ url, ref: { branch: 'main' }, credentials: { caCert: ca } });

  assert.equal(readFileSync(join(checkout.dir, 'a.yaml'), 'utf8'), 'a: 1\n');
  await assert.rejects(
    git.resolve({ url, ref: { branch: 'main' } }),
    (error: unknown) => error instanceof InvalidInputError && /not trusted/.test(error.message) && /ca\.crt/.test(error.message),
  );
});
