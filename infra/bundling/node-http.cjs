// `node:http` for function bundles, taken as a CommonJS value instead of an ES module import:
// importing the built-in as an ES module reads every export, and its WebSocket, CloseEvent and
// MessageEvent getters load Node's whole fetch stack (undici) at init, ~17 ms of every cold start
// for classes no function uses. Named imports still work through esbuild's CommonJS interop.
module.exports = process.getBuiltinModule('node:http');
