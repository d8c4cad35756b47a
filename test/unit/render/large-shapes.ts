// Large YAML files of many shapes, each just under the renderer's 4 MiB file cap, generated
// deterministically: the unit test checks each parses as the full parser reads it, and
// `npm run bench:render -- --shapes` times them.

/** Size each shape is grown to: under the 4 MiB cap with room for the last unit. */
export const SHAPE_BYTES = 4 * 1024 * 1024 - 64 * 1024;

/** One named shape and the text it generates. */
export interface LargeShape {
  name: string;
  /** The text, grown to about `bytes` (SHAPE_BYTES unless given). */
  text: (bytes?: number) => string;
}

/** Repeats `unit(i)` (i = 0, 1, …) after `head` until the text reaches `bytes`, then adds `tail`. */
function grow(bytes: number, head: string, unit: (i: number) => string, tail = ''): string {
  const parts = [head];
  let length = head.length + tail.length;
  for (let i = 0; length < bytes; i++) {
    const part = unit(i);
    parts.push(part);
    length += part.length;
  }
  parts.push(tail);
  return parts.join('');
}

const CONFIG_MAP_HEAD = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n';

/** Nested block maps `depth` deep, written `repeat` times side by side under distinct keys. */
function nested(depth: number, i: number): string {
  let out = '';
  for (let level = 0; level < depth; level++) out += `${'  '.repeat(level + 1)}level${level}-${i}:\n`;
  return `${out}${'  '.repeat(depth + 1)}leaf: value-${i}\n`;
}

export const LARGE_SHAPES: LargeShape[] = [
  { name: 'many keys', text: (bytes = SHAPE_BYTES) => grow(bytes, CONFIG_MAP_HEAD, (i) => `  key-${i}: value-${i}\n`) },
  {
    name: 'many documents',
    text: (bytes = SHAPE_BYTES) =>
      grow(bytes, '', (i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  labels:\n    app: shop\ndata:\n  key: "value ${i}"\n`),
  },
  { name: 'long sequence', text: (bytes = SHAPE_BYTES) => grow(bytes, 'apiVersion: v1\nkind: List\nitems:\n', (i) => `- item-${i}\n`) },
  { name: 'deep nesting', text: (bytes = SHAPE_BYTES) => grow(bytes, 'root:\n', (i) => nested(40, i)) },
  {
    name: 'long lines',
    text: (bytes = SHAPE_BYTES) =>
      grow(bytes, 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: big\ndata:\n', (i) => `  blob-${i}: ${'QUJD'.repeat(4000)}${i}\n`),
  },
  {
    name: 'anchors and aliases',
    text: (bytes = SHAPE_BYTES) =>
      grow(
        bytes,
        '',
        // Many small documents: the alias budget (10,000 expanded nodes) is per document.
        (i) =>
          `---\nmetadata:\n  name: app-${i}\n  labels: &labels\n    app: app-${i}\n    tier: web\nspec:\n  selector: *labels\n  base: &base {replicas: 2}\n  merged:\n    <<: *base\n    paused: false\n  items:\n  - &item {name: a}\n  - *item\n`,
      ),
  },
  {
    name: 'aliases in one document',
    // One anchor used 2,000 times in a 150,000-key ConfigMap (within the 10,000-node alias budget).
    text: (bytes = SHAPE_BYTES) =>
      grow(bytes, `${CONFIG_MAP_HEAD}  shared: &shared value\n`, (i) => (i % 75 === 74 ? `  alias-${i}: *shared\n` : `  key-${i}: value-${i}\n`)),
  },
  {
    name: 'flow collections',
    // Pretty-printed JSON, as `kubectl get -o json` writes it.
    text: (bytes = SHAPE_BYTES) =>
      grow(
        bytes,
        '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": [\n',
        (i) =>
          `    {\n      "apiVersion": "v1",\n      "kind": "ConfigMap",\n      "metadata": {\n        "name": "cm-${i}",\n        "labels": {"app": "shop", "index": "${i}"}\n      },\n      "data": {\n        "ratio": 0.${i},\n        "list": [1, 2, true, null]\n      }\n    },\n`,
        '    {}\n  ]\n}\n',
      ),
  },
  {
    name: 'single-line json',
    text: (bytes = SHAPE_BYTES) =>
      grow(
        bytes,
        '{"apiVersion":"v1","kind":"List","items":[',
        (i) => `{"kind":"ConfigMap","metadata":{"name":"cm-${i}"},"data":{"a":"b${i}","n":${i}}},`,
        '{}]}\n',
      ),
  },
  {
    name: 'block scalars',
    text: (bytes = SHAPE_BYTES) =>
      grow(
        bytes,
        CONFIG_MAP_HEAD,
        (i) =>
          `  script-${i}: |\n    #!/bin/sh\n    echo "${i}"\n\n      indented line\n  folded-${i}: >\n    a folded paragraph\n    over two lines\n\n    and a second\n  kept-${i}: |+\n    kept\n\n  stripped-${i}: >-\n    stripped\n  indicator-${i}: |2\n      two more spaces\n`,
      ),
  },
  {
    name: 'multi-line strings',
    text: (bytes = SHAPE_BYTES) =>
      grow(
        bytes,
        CONFIG_MAP_HEAD,
        (i) =>
          `  plain-${i}: a plain scalar\n    continued on a second line\n\n    and after a blank line\n  double-${i}: "a double-quoted\n    scalar with an escaped \\\n    line break and \\t tab"\n  single-${i}: 'a single-quoted\n\n    scalar'\n`,
      ),
  },
  {
    name: 'comments in odd places',
    text: (bytes = SHAPE_BYTES) =>
      grow(
        bytes,
        '# file header\napiVersion: v1 # trailing\nkind: List\nitems: # the list\n',
        (i) =>
          `# before an item\n- name: n-${i} # after a value\n# between keys, at column 0\n  value: v-${i}\n      # deeper than the keys\n  list:\n  # at the key's indentation\n  - a\n    # under an item\n  - b\n  block: | # after a header\n    text ${i}\n`,
      ),
  },
  {
    name: 'tags and odd keys',
    text: (bytes = SHAPE_BYTES) =>
      grow(
        bytes,
        CONFIG_MAP_HEAD,
        (i) =>
          `  tagged-${i}: !!str ${i}\n  int-${i}: !!int "${i}"\n  ? explicit-${i}\n  : value\n  "quoted key ${i}": x\n  tab-${i}: a\tb\n  colon-${i}: "a: b"\n`,
      ),
  },
  {
    name: 'crlf line endings',
    text: (bytes = SHAPE_BYTES) => grow(bytes, CONFIG_MAP_HEAD.replaceAll('\n', '\r\n'), (i) => `  key-${i}: value-${i}\r\n  block-${i}: |\r\n    line\r\n`),
  },
  {
    name: 'no final newline',
    text: (bytes = SHAPE_BYTES) => grow(bytes, CONFIG_MAP_HEAD, (i) => `  key-${i}: value-${i}\n`, '  last: |\n    no newline at the end').trimEnd(),
  },
];
