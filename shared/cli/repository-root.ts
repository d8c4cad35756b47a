/**
 * The root a CLI verb reads a directory under: everything the directory's kustomization refers to
 * (`resources: [../base]`) must lie inside it. `tideline render`, `apply` and `diff` share the
 * rule, so an overlay that renders also applies.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * `explicit` (a `--root` option) when given, else the enclosing Git repository of `dir` (the
 * nearest ancestor holding `.git`, a directory or a worktree's file), else `dir` itself; absolute.
 */
export function repositoryRoot(dir: string, explicit?: string): string {
  if (explicit !== undefined) return path.resolve(explicit);
  const start = path.resolve(dir);
  let current = start;
  for (;;) {
    if (existsSync(path.join(current, '.git'))) return current;
    const parent = path.dirname(current);
    if (parent === current) return start;
    current = parent;
  }
}
