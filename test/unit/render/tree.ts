// Helpers for render unit tests: small repository trees written to a temporary directory.
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '#shared/errors/index.ts';
import { renderKustomization } from '#shared/render/index.ts';

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

/** A tree whose kustomization lists cm.yaml (ConfigMap `name`) followed by the fields `rest`, plus the `files` those fields name. */
export function configMapTree(name: string, rest: string, files: TreeSpec = {}): TreeSpec {
  return { 'kustomization.yaml': `resources:\n- cm.yaml\n${rest}`, 'cm.yaml': configMap(name), ...files };
}

/** Renders and returns the InvalidInputError it must end in (fails the test if it renders). */
export async function renderError(options: Parameters<typeof renderKustomization>[0]): Promise<InvalidInputError> {
  try {
    await renderKustomization(options);
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    return error;
  }
  assert.fail('render succeeded but should have been refused');
}
