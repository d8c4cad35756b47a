// The fast YAML reader must never change a result: on generated texts — well-formed documents of
// every shape it reads, and line soups that are often invalid — parseYamlDocuments (fast reader,
// full parser for what it defers) gives the same nodes, lines and errors as the full parser alone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import { parseYamlDocuments, parseYamlDocumentsFully } from '#shared/render/load.ts';
import { readDocuments } from '#shared/render/yaml/fast-parse.ts';

/** A comparable picture of a node tree: structure, scalar values, styles, source text and anchors. */
function shape(node: unknown): unknown {
  if (isScalar(node))
    return { value: typeof node.value === 'bigint' ? `${node.value}n` : node.value, type: node.type, source: node.source, format: node.format, tag: node.tag };
  if (isMap(node)) return { flow: node.flow === true, map: node.items.map((pair) => [shape(pair.key), shape(pair.value)]) };
  if (isSeq(node)) return { flow: node.flow === true, seq: node.items.map(shape) };
  if (isAlias(node)) return { alias: node.source };
  return node;
}

/** What a reading gives: each document's shape and line, or the error's message. */
function outcome(read: () => { node: unknown; line: number }[]): unknown {
  try {
    return read().map((doc) => ({ line: doc.line, node: shape(doc.node) }));
  } catch (error) {
    return { error: String(error), line: (error as { source?: { line?: number } }).source?.line };
  }
}

// Random each run (a failure prints its seed); TIDELINE_FUZZ_SEED replays one, TIDELINE_FUZZ_RUNS runs longer.
const SEED = process.env.TIDELINE_FUZZ_SEED === undefined ? undefined : Number(process.env.TIDELINE_FUZZ_SEED);
const RUNS = Number(process.env.TIDELINE_FUZZ_RUNS ?? '800');

/** How many generated documents the fast reader read itself, and how many it deferred. */
interface Tally {
  read: number;
  deferred: number;
}

function assertSameReading(text: string, tally?: Tally): void {
  if (tally) for (const piece of readDocuments(text) ?? [{ kind: 'deferred' }]) tally[piece.kind]++;
  const fast = outcome(() => parseYamlDocuments(text, 'gen.yaml', 50));
  const full = outcome(() => parseYamlDocumentsFully(text, 'gen.yaml', 50));
  assert.deepEqual(fast, full, JSON.stringify(text));
}

const PLAINS = [
  'a',
  'web',
  'x y',
  '1',
  '01',
  '0x1F',
  '1.5',
  '-3',
  'true',
  'True',
  'yes',
  'null',
  '~',
  '2026-01-01',
  'a:b',
  'http://h/p#f',
  'a#b',
  '<<',
  '.inf',
  'é ü',
  '1_000',
  '+1',
  'a -b',
  'a,b',
  'a]',
];
// Standard tags the fast reader resolves, and tags it leaves to the full parser.
const TAGGED = [
  '!!str 1',
  '!!str a b',
  '!!int "5"',
  '!!int 0x1F',
  "!!int '07'",
  '!!float 1',
  '!!float 1.5',
  '!!bool true',
  '!!bool yes',
  '!!null ~',
  '!!null x',
  '!!int abc',
  '!!str  two',
  '!!binary aGk=',
  '!x y',
  '!!str "q" # c',
  '!!str *x',
  '!!str',
];
const QUOTED = ['"a b"', '"tab\\tq\\"x"', "'it''s'", '""', "''", '"\\u00e9"', '"a: b"', "'# no'", '"1"'];
// A key starting with `? ` is written as an explicit key: `? key` on its line, `:` and the value on the next.
const KEYS = [
  'a',
  'b',
  'c',
  'name',
  '<<',
  '1',
  '01',
  'true',
  '"a"',
  "'b'",
  'k x',
  'a.b/c',
  '? e',
  '? "e q"',
  '? <<',
  "? 'a'",
  '?  e',
  '? e # c',
  '? a: b',
  '? 1',
];
const ANCHORS = ['x', 'y', 'z'];

const scalarInline = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...PLAINS) },
  { weight: 3, arbitrary: fc.constantFrom(...QUOTED) },
  { weight: 1, arbitrary: fc.constantFrom(...TAGGED) },
  { weight: 1, arbitrary: fc.constantFrom(...ANCHORS).map((name) => `*${name}`) },
  { weight: 1, arbitrary: fc.constantFrom('[a, "b", 1]', '{k: v, n: [1, 2]}', '[]', '{}', '[*x, *y]', '{"a":1,"b":"c"}', '[a, ]', '{a: }', '[a: b]') },
);

const blockHeader = fc
  .tuple(fc.constantFrom('|', '>'), fc.constantFrom('', '-', '+'), fc.constantFrom('', '', '1', '2'))
  .map(([style, chomp, indicator]) => `${style}${chomp}${indicator}`);
const blockBody = fc.array(fc.constantFrom('text', 'more text', '  indented', '', '   ', 'a: b', '# hash', '    deeper', 'x'), { minLength: 0, maxLength: 5 });

/** A tree of block nodes, written out at a given indentation. */
type Tree =
  | { kind: 'map'; entries: [string, Tree][]; anchor?: string | undefined }
  | { kind: 'seq'; items: Tree[]; anchor?: string | undefined }
  | { kind: 'scalar'; text: string; anchor?: string | undefined }
  | { kind: 'block'; header: string; body: string[] }
  | { kind: 'flow'; lines: readonly string[] }
  | { kind: 'multi'; lines: readonly string[] };

const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('scalar' as const),
        text: scalarInline,
        anchor: fc.option(fc.constantFrom(...ANCHORS), { nil: undefined, freq: 4 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('block' as const), header: blockHeader, body: blockBody }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('multi' as const),
        lines: fc.array(
          fc.constantFrom(
            '"dq',
            'sq',
            'plain',
            'more words',
            '',
            '  ',
            'end"',
            "end'",
            'tight \\',
            'two \\\\',
            'sp \\ ',
            '# comment',
            '    # deeper',
            "'sq",
            'x: y',
            '- z',
          ),
          { minLength: 2, maxLength: 5 },
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('flow' as const),
        lines: fc.constantFrom(
          ['[', '  a,', '  "b",', '  {k: v}', ']'],
          ['{', '  "a": 1,', '  "b": [1, 2], # c', '  "c": {}', '}'],
          ['[a,', '  b]'],
          ['{a: 1,', 'b: 2}'],
          ['[', 'a', ']'],
        ),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('map' as const),
        entries: fc.array(fc.tuple(fc.constantFrom(...KEYS), tie('tree')), { minLength: 1, maxLength: 4 }),
        anchor: fc.option(fc.constantFrom(...ANCHORS), { nil: undefined, freq: 4 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('seq' as const),
        items: fc.array(tie('tree'), { minLength: 1, maxLength: 4 }),
        anchor: fc.option(fc.constantFrom(...ANCHORS), { nil: undefined, freq: 4 }),
      }),
    },
  ),
})).tree;

/** Writes `node` as the value after `lead` (`key:` or `-`), the lead at column `indent`. */
function writeValue(lead: string, node: Tree, indent: number, out: string[], compact: boolean): void {
  const pad = ' '.repeat(indent);
  const anchor = 'anchor' in node && node.anchor !== undefined ? ` &${node.anchor}` : '';
  switch (node.kind) {
    case 'scalar':
      out.push(`${pad}${lead}${anchor} ${node.text}`);
      return;
    case 'block':
      out.push(`${pad}${lead} ${node.header}`);
      for (const line of node.body) out.push(line.trim() === '' ? line : `${pad}  ${line}`);
      return;
    case 'flow':
    case 'multi':
      out.push(`${pad}${lead} ${node.lines[0] ?? ''}`);
      for (const line of node.lines.slice(1)) out.push(`${pad}  ${line}`);
      return;
    case 'map':
      if (compact && lead === '-' && anchor === '') {
        // `- key: value` with the following keys under the first.
        const inner: string[] = [];
        writeTree(node, indent + 2, inner);
        const first = inner[0] ?? '';
        out.push(`${pad}- ${first.slice(indent + 2)}`, ...inner.slice(1));
        return;
      }
      out.push(`${pad}${lead}${anchor}`);
      writeTree(node, indent + 2, out);
      return;
    case 'seq':
      out.push(`${pad}${lead}${anchor}`);
      // Kubernetes style (items at the key's indentation) for mapping values, indented otherwise.
      writeTree(node, lead === '-' || compact ? indent + 2 : indent, out);
      return;
  }
}

function writeTree(node: Tree, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (node.kind === 'map') {
    for (const [i, [key, child]] of node.entries.entries()) {
      if (key.startsWith('? ')) {
        out.push(`${pad}${key}`);
        writeValue(':', child, indent, out, i % 2 === 0);
      } else writeValue(`${key}:`, child, indent, out, i % 2 === 0);
    }
  } else if (node.kind === 'seq') {
    for (const [i, child] of node.items.entries()) writeValue('-', child, indent, out, i % 2 === 0);
  } else if (node.kind === 'scalar') out.push(`${pad}${node.text}`);
  else writeValue('', node, indent, out, false);
}

const decoration = fc.record({
  comments: fc.array(fc.tuple(fc.nat(), fc.constantFrom('# c', '  # c', '      # deep', '', '  ')), { maxLength: 3 }),
  crlf: fc.boolean(),
  finalNewline: fc.constantFrom(true, true, false),
  markers: fc.constantFrom(0, 0, 1, 2),
});

/** A whole file: one to three documents, comments and blank lines here and there, line-break style. */
const documentText = fc.tuple(fc.array(tree, { minLength: 1, maxLength: 3 }), decoration).map(([docs, deco]) => {
  const parts: string[] = [];
  for (const [i, doc] of docs.entries()) {
    const lines: string[] = [];
    writeTree(doc.kind === 'map' || doc.kind === 'seq' ? doc : { kind: 'map', entries: [['root', doc]] }, 0, lines);
    for (const [at, comment] of deco.comments) lines.splice(at % (lines.length + 1), 0, comment);
    if (i > 0 || deco.markers > 1) parts.push(deco.markers > 0 && i % 2 === 1 ? '--- # doc' : '---');
    parts.push(...lines);
  }
  let text = `${parts.join('\n')}\n`;
  if (!deco.finalNewline) text = text.slice(0, -1);
  if (deco.crlf) text = text.replaceAll('\n', '\r\n');
  return text;
});

/** Lines made of YAML fragments, mostly invalid: the fast reader must defer what it cannot read. */
const FRAGMENTS = [
  'a:',
  'b: c',
  '- ',
  '-',
  '  ',
  '    ',
  '|',
  '>-',
  '|2',
  '"q',
  '"q"',
  "'s'",
  "'",
  '[',
  ']',
  '{',
  '}',
  ', ',
  ': ',
  '#c',
  ' #c',
  '&x',
  '*x',
  '*y',
  '---',
  'v',
  '1',
  '<<:',
  '? ',
  '!!str',
  '!!int 1',
  ' !!str x',
  '? k',
  ':',
  ': v',
  '\t',
  'k: [1,',
  '2]',
  'k: {a: 1}',
  '...',
];
const soup = fc
  .array(
    fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 5 }).map((parts) => parts.join('')),
    { minLength: 1, maxLength: 12 },
  )
  .map((lines) => `${lines.join('\n')}\n`);

describe('fast YAML reader against the full parser', () => {
  it('reads generated documents of every supported shape exactly as the full parser does', () => {
    // Prepare
    const tally: Tally = { read: 0, deferred: 0 };

    // Act and assess
    fc.assert(
      fc.property(documentText, (text) => assertSameReading(text, tally)),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );

    // Assess
    // The comparison means something only if the fast reader itself read most documents.
    const share = tally.read / (tally.read + tally.deferred);
    process.stdout.write(`# fast reader read ${tally.read} of ${tally.read + tally.deferred} generated documents\n`);
    assert.ok(share > 0.5, `only ${(share * 100).toFixed(0)}% read by the fast reader`);
  });

  it('reads generated line soups (mostly invalid YAML) exactly as the full parser does, errors included', () => {
    // Act and assess
    fc.assert(
      fc.property(soup, (text) => assertSameReading(text)),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });

  it('reads each large shape exactly as the full parser does, at a size the full parser reads quickly', async () => {
    // Prepare
    const { LARGE_SHAPES } = await import('./large-shapes.ts');

    // Act and assess
    for (const shapeOf of LARGE_SHAPES) assertSameReading(shapeOf.text(20_000));
  });
});
