// Throwaway directory trees for tests that read a repository from disk.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

/** Writes `files` (path relative to the root → text) under a new temporary directory, removed when the test ends; returns the root. */
export function writeTree(t: TestContext, files: Record<string, string>, prefix = 'tideline-tree-'): string {
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}
