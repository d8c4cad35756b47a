// The fast YAML reader must build exactly the nodes the full parser builds for the texts it accepts,
// and hand everything else back (undefined) so the full parser reads it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments, isMap, isScalar, isSeq } from 'yaml';
import { fastParseDocuments, readDocuments } from '#shared/render/yaml/fast-parse.ts';
import { parseYamlDocuments, parseYamlDocumentsFully } from '#shared/render/load.ts';
import { InvalidInputError } from '#shared/errors/index.ts';

/** A comparable picture of a node tree: structure, scalar values, styles, source text and tags. */
function shape(node: unknown): unknown {
  if (isScalar(node))
    return { value: typeof node.value === 'bigint' ? `${node.value}n` : node.value, type: node.type, source: node.source, format: node.format, tag: node.tag };
  if (isMap(node)) return { flow: node.flow === true, map: node.items.map((pair) => [shape(pair.key), shape(pair.value)]) };
  if (isSeq(node)) return { flow: node.flow === true, seq: node.items.map(shape) };
  return node;
}

function fullParse(text: string): unknown[] {
  return parseAllDocuments(text, { schema: 'core', intAsBigInt: true, uniqueKeys: true }).map((doc) => shape(doc.contents));
}

const ACCEPTED: Record<string, string> = {
  'block maps and sequences, compact sequence items':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    app: web\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.25\n        args:\n        - --port=8080\n        ports:\n          - containerPort: 80\n            protocol: TCP\n',
  'typed plain scalars': 'a: 1\nb: 1.50\nc: true\nd: ~\ne:\nf: 0x1F\ng: 0o17\nh: .inf\ni: 2026-01-01\nj: yes\nk: -3\nl: 1e3\n',
  'quoted scalars and escapes': 'a: "tab\\there \\u00e9 \\"q\\""\nb: \'it\'\'s\'\nc: "" \n"quoted key": x\n\'single key\': y\n',
  'multi-line plain and quoted scalars':
    'description: A long description\n  that continues here\n\n  and after a blank line.\nrule: \'self.a ==\n  self.b\'\nmsg: "first\n  second"\n',
  'literal block scalars with each chomping': 'a: |\n  line one\n    indented\n\n  line three\nb: |-\n  stripped\n\nc: |+\n  kept\n\nd: |\n\ne: x\n',
  'flow collections and comments': '# leading comment\na: [x, "y", 1, {k: v}] # trailing\nb: {}\nc: []\nd: {a: 1, b: [2, 3]}\n',
  'documents and markers': '---\na: 1\n---\n# only a comment\n---\n- x\n- y\n',
  'tabs inside words of plain, quoted and flow scalars':
    'a: x\ty\nb: "p\tq r"\nc: \'s\tt\'\nk\tey: v\nd: [m\tn, o]\ne: long\tplain\n  continued\tline\n# a\tcomment\nf: g # h\ti\n',
  'tabs in block scalar content': 'a: |\n  first\n  \tindented by a tab\n  x\ty\t\n  \tend\nb: >\n  one\n  two\t\nc: v\n',
  'a folded line that starts with a tab keeps its line breaks': '>-\na:\n\ta:\n',
  'tab-led lines inside a folded block scalar': 'x: >\n  a\n  \tb\n  c\n  d\ny: >\n  a\n\n  \tb\n  c\n',
  'a document marker followed by a tab ends a top-level block scalar': '|\na:\n---\t\nb: c\n',
  'tabs with CRLF line breaks': 'a: |\r\n  first\r\n  \tsecond\r\nb: x\ty\r\n',
  'standard tags on plain and quoted scalars':
    'a: !!str 1\nb: !!int "5"\nc: !!int 0x1F\nd: !!float 1.5\ne: !!bool true\nf: !!null ~\ng: &x !!str anchored\nh:\n- !!str 2\ni: !!str a long\n  plain\n',
  'explicit keys with their value on the next line': '? explicit\n: value\n? "quoted key"\n:\n  nested: 1\nplain: after\n',
  'urls, colons and hashes inside plain scalars': 'url: http://example.com/a#frag\ntime: 12:30\nkey:with:colons: v\nhash: a#b\n',
};

const REFUSED: Record<string, string> = {
  'an anchor on a compact mapping key': '- &x a: 1\n',
  'a blank line with more spaces inside a block scalar': 'a: |\n  x\n     \n  y\n',
  "a tab after a key's colon": 'a:\tb\n',
  'a tab in indentation': 'a:\n\tb: c\n',
  'a tab before a comment': 'a: b\t# c\n',
  'a tab after a value': 'a: b\t\n',
  'a tab after a sequence dash': '-\ta\n',
  'a tab after a block scalar header': 'a: |\t\n  x\n',
  'a tab on the first line of a block scalar': 'a: |\n  \tx\n  y\n',
  'a tab-only line inside a block scalar': 'a: |\n  x\n  \t\n  y\n',
  "a tab inside a flow collection's separation": 'a: [b,\tc]\n',
  'a tab inside an anchor name': 'a: &x\ty 1\nb: *x\ty\n',
  'duplicate keys': 'a: 1\na: 2\n',
  'a carriage return on its own': 'a: b\rc\n',
  'a local tag': 'a: !x 1\n',
  'a tag on a collection': 'a: !!map\n  b: c\n',
  'a standard tag whose resolvers refuse the text': 'a: !!int abc\n',
  'a tag on a block scalar': 'a: !!str |\n  x\n',
  'an explicit key with no value line': '? a\nb: c\n',
  'a collection as an explicit key': '? - a\n: b\n',
  'nested mappings in a value': 'a: b: c\n',
};

describe('fast YAML reader', () => {
  for (const [name, text] of Object.entries(ACCEPTED)) {
    it(`reads ${name} exactly as the full parser does`, () => {
      // Act
      const fast = fastParseDocuments(text);

      // Assess
      assert.ok(fast, 'the text should be in the fast subset');
      assert.deepEqual(
        fast.map((doc) => shape(doc.node)),
        fullParse(text),
      );
    });
  }

  for (const [name, text] of Object.entries(REFUSED)) {
    it(`leaves ${name} to the full parser`, () => {
      // Act
      const result = fastParseDocuments(text);

      // Assess
      assert.equal(result, undefined);
    });
  }

  it('gives each document the line its content starts on', () => {
    // Act
    const docs = fastParseDocuments('# c\na: 1\n---\n\nb: 2\n');

    // Assess
    assert.deepEqual(
      docs?.map((doc) => doc.line),
      [2, 5],
    );
  });
});

describe('fast YAML reader on hostile nesting', () => {
  it('leaves flow collections nested past the stack to the full parser', () => {
    // Prepare
    const text = `a: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`;

    // Act
    const result = fastParseDocuments(text);

    // Assess
    assert.equal(result, undefined);
  });
});

describe('fast YAML reader on tabs', () => {
  it('defers only the document holding a tab in its indentation', () => {
    // Prepare
    const text = 'a: 1\n---\nb:\n\tc: 2\n---\nd: x\ty\n';

    // Act
    const pieces = readDocuments(text);

    // Assess
    assert.deepEqual(
      pieces?.map((piece) => piece.kind),
      ['read', 'deferred', 'read'],
    );
  });

  it('refuses a tab in indentation with a typed error naming the file and line', () => {
    // Prepare
    const text = 'a: 1\n---\nb:\n  c: 1\n\td: 2\n';

    // Act and assess
    assert.throws(
      () => parseYamlDocuments(text, 'apps/cm.yaml', 10_000),
      (error: unknown) => error instanceof InvalidInputError && error.message.includes('apps/cm.yaml') && /:5\b|line 5/.test(error.message),
    );
  });

  it("gives a document read beside a deferred one the full parser's values", () => {
    // Prepare
    const text = 'a: x\ty\n---\nb:\tc\n---\nd: |\n  e\n  \tf\n';

    // Act
    const docs = parseYamlDocuments(text, 'cm.yaml', 10_000);

    // Assess
    assert.deepEqual(
      docs.map((doc) => shape(doc.node)),
      fullParse(text),
    );
  });
});

describe('fast YAML reader on a deferred document whose quote stays open', () => {
  // The full parser reads a quoted scalar left open over the next `---` line: the marker starts
  // no document there, so the reader must not start one either.
  const CASES: readonly [string, string][] = [
    ['an explicit key followed by an open quote', '? "q""q\n---\n'],
    ['an open quote, then a document read on its own', '? "q""q\n---\na: 1\n---\nb: 2\n'],
    ['an open quote over two markers', '? "q""q\n---\n---\nc: 3\n'],
  ];
  for (const [name, text] of CASES) {
    it(`gives the full parser's documents for ${name}`, () => {
      // Act
      const docs = parseYamlDocuments(text, 'cm.yaml', 10_000);

      // Assess
      assert.deepEqual(
        docs.map((doc) => shape(doc.node)),
        fullParse(text),
      );
    });
  }

  it('still splits after a deferred document whose quotes are closed', () => {
    // Prepare
    const text = 'a:\n\tb: 1\n---\nc: "q"\n';

    // Act
    const pieces = readDocuments(text);

    // Assess
    assert.deepEqual(
      pieces?.map((piece) => piece.kind),
      ['deferred', 'read'],
    );
  });
});

describe('fast YAML reader on anchors, aliases and merge keys', () => {
  /** The kinds of the pieces the reader makes of a text, with a node budget for aliases. */
  const kinds = (text: string, maxAliasNodes = 10_000): string[] | undefined => readDocuments(text, maxAliasNodes)?.map((piece) => piece.kind);

  const EXPANDED: Record<string, string> = {
    'an alias to a mapping, a scalar and a flow collection':
      'labels: &l\n  app: web\nname: &n web\nports: &p [80, 443]\ncopy:\n  labels: *l\n  name: *n\n  ports: *p\n',
    'a merge key with one mapping, its own keys winning': 'base: &b {replicas: 2, paused: true}\nmerged:\n  <<: *b\n  paused: false\n',
    'a merge key with a list of mappings, the first one winning': 'a: &a {x: 1}\nb: &b {x: 2, y: 3}\nm:\n  <<: [*a, *b]\n',
    'a name anchored again: the alias takes the later node': 'a: &x 1\nb: &x 2\nc: *x\n',
    'a name anchored again inside its own node': 'a: &x\n  b: &x inner\nc: *x\n',
  };
  for (const [name, text] of Object.entries(EXPANDED)) {
    it(`expands ${name} itself, as the renderer expands the full parser's tree`, () => {
      // Act
      const pieces = kinds(text);
      const fast = parseYamlDocuments(text, 'a.yaml', 10_000);

      // Assess
      assert.deepEqual(pieces, ['read']);
      assert.deepEqual(
        fast.map((doc) => shape(doc.node)),
        parseYamlDocumentsFully(text, 'a.yaml', 10_000).map((doc) => shape(doc.node)),
      );
    });
  }

  const LEFT: Record<string, string> = {
    'an alias to no anchor': 'a: *nope\n',
    'an alias inside the node its anchor is on': 'a: &x\n  b: *x\n',
    'an alias to a node that holds an alias': 'a: &x 1\nb: &y\n  c: *x\nd: *y\n',
    'an alias to a node that holds a merge key': 'a: &x {k: 1}\nb: &y\n  <<: *x\nd: *y\n',
    'an anchored alias': 'a: &x 1\nb: &y *x\n',
    'an alias as a flow key': 'a: &x k\nb: {*x : v}\n',
  };
  for (const [name, text] of Object.entries(LEFT)) {
    it(`leaves ${name} to the full parser`, () => {
      // Act
      const pieces = kinds(text);

      // Assess
      assert.deepEqual(pieces, ['deferred']);
    });
  }

  it('leaves a document whose aliases copy more nodes than the budget to the full parser', () => {
    // Prepare: each alias copies the 3 nodes of the anchored mapping (the mapping, its key and value).
    const text = 'a: &x {k: v}\nb: *x\nc: *x\n';

    // Act
    const within = kinds(text, 6);
    const past = kinds(text, 5);

    // Assess
    assert.deepEqual(within, ['read']);
    assert.deepEqual(past, ['deferred']);
  });

  it('gives an alias copies that the renderer can change one by one', () => {
    // Prepare
    const text = 'a: &x {k: v}\nb: *x\n';

    // Act
    const [doc] = parseYamlDocuments(text, 'a.yaml', 10_000);

    // Assess
    const root = doc?.node;
    assert.ok(isMap(root));
    const [a, b] = root.items.map((pair) => pair.value);
    assert.ok(isMap(a) && isMap(b));
    assert.notEqual(a, b);
    assert.notEqual(a.items[0], b.items[0]);
  });
});
