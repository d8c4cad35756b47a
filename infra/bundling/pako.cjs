// `pako` for function bundles: the three calls isomorphic-git makes of it (`inflate`, `deflate`
// and the `Inflate` a pack listing pushes the rest of the pack into) on Node's native zlib,
// instead of 45 KB of JavaScript zlib in each bundle that reads Git. The same contract: inflate
// throws the zlib message as a string on corrupt data (isomorphic-git turns that into its
// DecompressionError); an `Inflate` has `result` once a whole zlib stream was pushed, with
// `strm.avail_in` the bytes of the last chunk after the stream's end, and `err`/`msg` set on
// corrupt data; a stream cut short waits for the next chunk.
const zlib = process.getBuiltinModule('node:zlib');
const { Buffer } = process.getBuiltinModule('node:buffer');

function inflate(data) {
  try {
    return zlib.inflateSync(data);
  } catch (error) {
    throw error.message;
  }
}

function deflate(data) {
  return zlib.deflateSync(data);
}

class Inflate {
  result = undefined;
  err = 0;
  msg = '';
  strm = { avail_in: 0 };
  #pushed = [];

  push(chunk) {
    this.#pushed.push(chunk);
    const input = this.#pushed.length === 1 ? chunk : Buffer.concat(this.#pushed);
    try {
      const { buffer, engine } = zlib.inflateSync(input, { info: true });
      this.result = buffer;
      this.strm.avail_in = input.length - engine.bytesWritten;
      this.#pushed = [];
    } catch (error) {
      if (error.code === 'Z_BUF_ERROR') return true;
      this.err = error.errno;
      this.msg = error.message;
      return false;
    }
    return true;
  }
}

module.exports = { inflate, deflate, Inflate };
