// Helpers for render unit tests: small repository trees written to a temporary directory.
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

/** Files of a tree: relative path -> content (a `{ symlink: target }` entry makes a symlink). */
export type TreeSpec = Record<string, string | Buffer | { symlink: string }>;

/** Writes a tree into a fresh temporary directory removed after the test; returns its path. */
export async function writeTree(t: TestContext, files: TreeSpec): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'tideline-render-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(root, relative);
    await mkdir(path.dirname(target), { recursive: true });
    if (typeof content === 'object' && !Buffer.isBuffer(content)) await symlink(content.symlink, target);
    else await writeFile(target, content);
  }
  return root;
}

/** A minimal ConfigMap manifest. */
export function configMap(name: string, data: Record<string, string> = { key: 'value' }): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${lines.join('\n')}\n`;
}
