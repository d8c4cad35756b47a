/**
 * A small line diff (longest common subsequence) printed in unified style with context lines.
 * Manifests are short, so the quadratic table is cheap and keeps this dependency-free.
 */

/** Unified-style diff of two texts; empty string when they are equal. */
export function unifiedDiff(before: string, after: string, labels: { before: string; after: string }, context = 3): string {
  const a = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === '' ? [] : after.replace(/\n$/, '').split('\n');
  const ops = lineOps(a, b);
  if (ops.every((op) => op.kind === ' ')) return '';
  const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
  const changed = ops.map((op, i) => (op.kind !== ' ' ? i : -1)).filter((i) => i >= 0);
  let i = 0;
  while (i < changed.length) {
    const start = Math.max(0, (changed[i] as number) - context);
    let end = Math.min(ops.length - 1, (changed[i] as number) + context);
    while (i + 1 < changed.length && (changed[i + 1] as number) - context <= end + 1) {
      i++;
      end = Math.min(ops.length - 1, (changed[i] as number) + context);
    }
    out.push('@@');
    for (let k = start; k <= end; k++) out.push(`${ops[k]?.kind}${ops[k]?.line}`);
    i++;
  }
  return `${out.join('\n')}\n`;
}

function lineOps(a: string[], b: string[]): { kind: ' ' | '-' | '+'; line: string }[] {
  const n = a.length;
  const m = b.length;
  const table: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = table[i] as Uint32Array;
    const next = table[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) row[j] = a[i] === b[j] ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
  }
  const ops: { kind: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i] as string });
      i++;
      j++;
    } else if (((table[i + 1] as Uint32Array)[j] as number) >= ((table[i] as Uint32Array)[j + 1] as number)) ops.push({ kind: '-', line: a[i++] as string });
    else ops.push({ kind: '+', line: b[j++] as string });
  }
  while (i < n) ops.push({ kind: '-', line: a[i++] as string });
  while (j < m) ops.push({ kind: '+', line: b[j++] as string });
  return ops;
}
