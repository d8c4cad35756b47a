// The fast reader's nodes (shared/render/yaml/nodes.ts) must be yaml's nodes to every reader of
// them: the same classes, type checks, methods, copies and output as `new Scalar()` & co.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Document, Pair, Scalar, YAMLMap, YAMLSeq, isCollection, isMap, isNode, isPair, isScalar, isSeq } from 'yaml';
import { mapNode, pairNode, scalarNode, seqNode } from '#shared/render/yaml/nodes.ts';

const NODE_TYPE = Symbol.for('yaml.node.type');

/** `{ name: web, ports: [80, "http"] }` built with yaml's constructors or with the fast ones. */
function build(make: {
  scalar: (value: unknown) => Scalar;
  map: () => YAMLMap;
  seq: () => YAMLSeq;
  pair: (key: Scalar, value: Scalar | YAMLSeq) => Pair;
}): YAMLMap {
  const ports = make.seq();
  ports.items.push(make.scalar(80), make.scalar('http'));
  const root = make.map();
  root.items.push(make.pair(make.scalar('name'), make.scalar('web')), make.pair(make.scalar('ports'), ports));
  return root;
}

const LIBRARY = {
  scalar: (value: unknown) => new Scalar(value),
  map: () => new YAMLMap(),
  seq: () => new YAMLSeq(),
  pair: (key: Scalar, value: Scalar | YAMLSeq) => new Pair(key, value),
};
const FAST = { scalar: scalarNode, map: mapNode, seq: seqNode, pair: pairNode };

describe('fast yaml nodes', () => {
  it("are instances of yaml's classes and pass its type checks", () => {
    // Act
    const [scalar, map, seq, pair] = [scalarNode('x'), mapNode(), seqNode(), pairNode(scalarNode('k'), null)];

    // Assess
    assert.deepEqual([scalar instanceof Scalar, isScalar(scalar), isNode(scalar), isMap(scalar)], [true, true, true, false]);
    assert.deepEqual([map instanceof YAMLMap, isMap(map), isCollection(map), isSeq(map)], [true, true, true, false]);
    assert.deepEqual([seq instanceof YAMLSeq, isSeq(seq), isCollection(seq), isMap(seq)], [true, true, true, false]);
    assert.deepEqual([pair instanceof Pair, isPair(pair), isNode(pair)], [true, true, false]);
    assert.deepEqual(map.items, []);
    assert.deepEqual(seq.items, []);
  });

  it('keep the node type out of their own enumerable fields, as the constructors do', () => {
    // Act
    const fast = Object.assign(scalarNode('v'), { type: 'PLAIN' as const });
    const library = Object.assign(new Scalar('v'), { type: 'PLAIN' as const });

    // Assess
    assert.deepEqual(Object.keys(fast), Object.keys(library));
    assert.deepEqual({ ...fast }, { ...library });
    assert.equal(Object.getOwnPropertyDescriptor(fast, NODE_TYPE), undefined);
    assert.equal((fast as unknown as Record<symbol, unknown>)[NODE_TYPE], (library as unknown as Record<symbol, unknown>)[NODE_TYPE]);
  });

  it("give the same output, plain values and edits through yaml's own methods", () => {
    // Prepare
    const fast = build(FAST);
    const library = build(LIBRARY);

    // Act
    const texts = [fast, library].map((root) => new Document(root).toString());
    const values = [fast, library].map((root) => new Document(root).toJS() as unknown);
    fast.set('replicas', 2);
    (fast.get('ports') as YAMLSeq).add(443);

    // Assess
    assert.equal(texts[0], texts[1]);
    assert.deepEqual(values[0], values[1]);
    assert.deepEqual(new Document(fast).toJS(), { name: 'web', ports: [80, 'http', 443], replicas: 2 });
  });

  it("copy with yaml's clone into nodes of the same kind", () => {
    // Act
    const copy = build(FAST).clone() as YAMLMap;

    // Assess
    assert.ok(isMap(copy) && copy instanceof YAMLMap);
    assert.ok(isSeq(copy.get('ports')));
    assert.deepEqual(new Document(copy).toJS(), { name: 'web', ports: [80, 'http'] });
  });
});
