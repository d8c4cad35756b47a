// `sha.js/sha1.js` for function bundles: isomorphic-git's incremental SHA-1 (object ids, pack
// checksums) from Node's native hash instead of a JavaScript one and its typed-array polyfills.
// Same surface: `new Hash()`, `update(data)` returning the hash, `digest(encoding?)`.
const { createHash } = process.getBuiltinModule('node:crypto');

module.exports = class Sha1 {
  #hash = createHash('sha1');

  update(data) {
    this.#hash.update(data);
    return this;
  }

  digest(encoding) {
    return encoding === undefined ? this.#hash.digest() : this.#hash.digest(encoding);
  }
};
