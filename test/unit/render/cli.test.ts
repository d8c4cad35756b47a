// `tideline render` as a user runs it: bundle on stdout, errors on stderr with a non-zero exit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { configMap, writeTree } from './tree.ts';

const run = promisify(execFile);
const cli = path.join(import.meta.dirname, '..', '..', '..', 'shared', 'cli', 'main.ts');

async function tideline(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('tideline render', () => {
  it('prints the bundle with substitutions applied', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'apps/cm.yaml': configMap('cm', { region: '${REGION}' }) });

    // Act
    const result = await tideline(['render', path.join(root, 'apps'), '--root', root, '--substitute', 'REGION=eu']);

    // Assess
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'apiVersion: v1\ndata:\n  region: eu\nkind: ConfigMap\nmetadata:\n  name: cm\n');
  });

  it('prints JSON with the digest and object list', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'cm.yaml': configMap('cm') });

    // Act
    const result = await tideline(['render', root, '--output', 'json']);

    // Assess
    const parsed = JSON.parse(result.stdout) as { digest: string; objects: unknown[]; items: unknown[] };
    assert.match(parsed.digest, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(parsed.objects, [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' }]);
    assert.equal(parsed.items.length, 1);
  });

  it('reports errors on stderr with a non-zero exit code', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- ../escape.yaml\n' });

    // Act
    const result = await tideline(['render', root, '--root', root]);

    // Assess
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /kustomization\.yaml: path "\.\.\/escape\.yaml" points outside the repository root/);
  });
});
