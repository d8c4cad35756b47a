/**
 * yaml's node classes, built the cheap way for the fast reader and alias copies.
 *
 * `new Scalar()`, `new YAMLMap()`, `new YAMLSeq()` and `new Pair()` each define the node's type
 * (and a collection's schema) with `Object.defineProperty` on the new object: on a 4 MiB file that
 * is a quarter of the parse. The classes here are the same nodes to every reader of them — their
 * prototype chain is yaml's class (so `instanceof Scalar`, `isScalar()` and every method hold),
 * the type is the same non-enumerable `Symbol.for('yaml.node.type')` value, found on their
 * prototype instead of on each node — with plain fields set in the constructor.
 */
import { Pair, Scalar, YAMLMap, YAMLSeq, type Node as YamlNode } from 'yaml';

const NODE_TYPE = Symbol.for('yaml.node.type');

/** Puts `Base`'s prototype under `Fast`'s and gives it yaml's node type, once per class. */
function inherit(Fast: { prototype: object }, Base: { prototype: object }, type: string): void {
  Object.setPrototypeOf(Fast.prototype, Base.prototype);
  Object.defineProperty(Fast.prototype, NODE_TYPE, { value: Symbol.for(type) });
}

class FastScalar {
  value: unknown;
  constructor(value: unknown) {
    this.value = value;
  }
}
inherit(FastScalar, Scalar, 'yaml.scalar');

class FastMap {
  items: Pair<YamlNode, YamlNode | null>[] = [];
}
inherit(FastMap, YAMLMap, 'yaml.map');

class FastSeq {
  items: YamlNode[] = [];
}
inherit(FastSeq, YAMLSeq, 'yaml.seq');

class FastPair {
  key: YamlNode;
  value: YamlNode | null;
  constructor(key: YamlNode, value: YamlNode | null) {
    this.key = key;
    this.value = value;
  }
}
inherit(FastPair, Pair, 'yaml.pair');

/** A scalar node holding `value`, as `new Scalar(value)`. */
export function scalarNode<T>(value: T): Scalar<T> {
  return new FastScalar(value) as unknown as Scalar<T>;
}

/** An empty mapping node, as `new YAMLMap()`. */
export function mapNode(): YAMLMap {
  return new FastMap() as unknown as YAMLMap;
}

/** An empty sequence node, as `new YAMLSeq()`. */
export function seqNode(): YAMLSeq {
  return new FastSeq() as unknown as YAMLSeq;
}

/** A key/value pair, as `new Pair(key, value)`. */
export function pairNode(key: YamlNode, value: YamlNode | null): Pair {
  return new FastPair(key, value) as unknown as Pair;
}
