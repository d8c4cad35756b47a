// A pre-bootstrapped etcd data directory, cached next to the binaries. On an empty etcd the
// apiserver spends ~1.5 s creating its bootstrap RBAC roles and priority classes through a
// rate-limited loopback client; starting each run from a copy of a directory where that has
// already happened keeps the warm environment start near 2 s. Each run still gets its own copy.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Binaries } from './build.ts';
import { createControlPlane } from './kube.ts';
import { withLock } from './lock.ts';
import { testenvDir } from './paths.ts';
import { binariesCacheDir } from './toolchain.ts';

/** Returns the cached seed data directory, creating it (one apiserver start, a few seconds) if missing. */
export async function ensureEtcdSeed(binaries: Binaries): Promise<string> {
  const { dir } = await binariesCacheDir();
  // The seed also reflects how the apiserver is configured (service CIDR, admission, …), so any change
  // to that configuration gets a new seed rather than an apiserver repairing a foreign one.
  const configuration = createHash('sha256')
    .update(readFileSync(join(testenvDir, 'kube.ts')))
    .digest('hex')
    .slice(0, 10);
  const seedDir = join(dir, `etcd-seed-${configuration}`);
  if (existsSync(seedDir)) return seedDir;
  await withLock(join(dir, 'etcd-seed.lock'), 'preparing the etcd seed', async () => {
    if (existsSync(seedDir)) return;
    const started = Date.now();
    const scratch = mkdtempSync(join(dirname(seedDir), 'etcd-seed.tmp-'));
    try {
      const plane = await createControlPlane({ binaries: { etcd: binaries.etcd, kubeApiserver: binaries.kubeApiserver }, dir: scratch });
      await plane.start();
      await plane.stop({ graceful: true });
      renameSync(join(scratch, 'etcd'), seedDir);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    process.stderr.write(`testenv: prepared the etcd seed in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  });
  return seedDir;
}
