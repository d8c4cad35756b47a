/**
 * What one line of block YAML holds at a position, as the fast reader needs to know it: its
 * indentation, a sequence dash, an explicit `?` key, where a key's `:` is, an anchor, a tab that may
 * change how the line reads.
 */
import { quoted } from './scalars.ts';
import { UNSUPPORTED } from './unsupported.ts';

/** The name of an anchor or alias, refused when empty or holding flow indicators. */
export function anchorName(name: string): string {
  if (name === '' || /[,[\]{}\t]/.test(name)) throw UNSUPPORTED;
  return name;
}

/** Where a node's content starts from `from` (just past a `-` or a key's `:`): spaces and an anchor `&name` skipped. */
export function valueStart(text: string, from: number): { at: number; anchor: { name: string; next: number } | undefined } {
  let at = from;
  while (text[at] === ' ') at++;
  const anchor = text[at] === '&' ? anchorAt(text, at) : undefined;
  return { at: anchor === undefined ? at : anchor.next, anchor };
}

/** `&name` at `at` and where what follows it starts. */
function anchorAt(text: string, at: number): { name: string; next: number } {
  let end = at + 1;
  while (end < text.length && text[end] !== ' ') end++;
  const name = anchorName(text.slice(at + 1, end));
  while (text[end] === ' ') end++;
  return { name, next: end };
}

// Characters next to which a tab may change how a line is read (separation, comments, indicators).
const TAB_NEIGHBOURS = new Set([...' \t#:-?,[]{}|>&*!"\'%@`']);

/** The line holds a tab that is not inside a word (a non-space, non-indicator character each side). */
export function hasLooseTab(text: string): boolean {
  for (let i = text.indexOf('\t'); i >= 0; i = text.indexOf('\t', i + 1)) {
    const before = text[i - 1];
    const after = text[i + 1];
    if (before === undefined || after === undefined || TAB_NEIGHBOURS.has(before) || TAB_NEIGHBOURS.has(after)) return true;
  }
  return false;
}

export function indentOf(text: string): number {
  let i = 0;
  while (text.charCodeAt(i) === 32) i++;
  return i;
}

/** `? ` (or a lone `?`) at `at`: an explicit mapping key. */
export function isExplicitKey(text: string, at: number): boolean {
  return text[at] === '?' && (at + 1 === text.length || text[at + 1] === ' ');
}

export function isSequenceItem(text: string, at: number): boolean {
  return text[at] === '-' && (at + 1 === text.length || text[at + 1] === ' ');
}

/** Where the `:` of a `key: value` line starting at `from` is, or -1 when the line is no mapping entry. */
export function findKeyEnd(text: string, from: number): number {
  const first = text[from];
  if (first === '"' || first === "'") {
    const { next } = quoted(text, from);
    let i = next;
    while (text[i] === ' ') i++;
    return text[i] === ':' && (i + 1 === text.length || text[i + 1] === ' ') ? i : -1;
  }
  if (first === '[' || first === '{' || first === '#') return -1;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === ':' && (i + 1 === text.length || text[i + 1] === ' ')) return i;
    if (ch === '#' && text[i - 1] === ' ') return -1;
  }
  return -1;
}
