import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import {
  ProtocolError,
  RemoteRefusedError,
  ResponseTooLargeError,
  fetchPack,
  fetchRequestBody,
  parseFetchResponse,
  parseLsRefsResponse,
  pktLine,
} from '#shared/git/protocol.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function band(n: number, data: Buffer): Buffer {
  const line = Buffer.alloc(data.length + 5);
  line.write((data.length + 5).toString(16).padStart(4, '0'), 0, 'latin1');
  line[4] = n;
  data.copy(line, 5);
  return line;
}

test('a first fetch deepens to one commit, the want last before done', () => {
  // Act
  const first = Buffer.from(fetchRequestBody({ want: A, haves: [], shallows: [], deepen: true })).toString('latin1');
  // Assess
  assert.match(first, /000ddeepen 1\n/);
  assert.match(first, new RegExp(`0032want ${A}\n0009done\n0000$`));
});

test('an incremental fetch sends the shallow boundary and its haves, without deepening', () => {
  // Act
  const next = Buffer.from(fetchRequestBody({ want: A, haves: [B], shallows: [B], deepen: false })).toString('latin1');
  // Assess
  assert.doesNotMatch(next, /deepen/);
  assert.match(next, new RegExp(`shallow ${B}\n.*want ${A}\n.*have ${B}\n`, 's'));
});

test('a fetch response yields the pack joined from side-band 1 and the shallow lines, progress dropped', () => {
  // Prepare
  const body = Buffer.concat([
    Buffer.from(pktLine('shallow-info\n')),
    Buffer.from(pktLine(`shallow ${A}\n`)),
    Buffer.from('0001'),
    Buffer.from(pktLine('packfile\n')),
    band(2, Buffer.from('progress')),
    band(1, Buffer.from('PACK-part-1')),
    band(1, Buffer.from('-part-2')),
    Buffer.from('0000'),
  ]);
  // Act
  const parsed = parseFetchResponse(body);
  // Assess
  assert.deepEqual(parsed, { pack: Buffer.from('PACK-part-1-part-2'), shallow: [A], unshallow: [] });
});

test("side-band 3 of a fetch response is the server's refusal, in its words", () => {
  // Prepare
  const body = Buffer.concat([Buffer.from(pktLine('packfile\n')), band(3, Buffer.from('upload-pack: not our ref')), Buffer.from('0000')]);
  // Act
  const act = () => parseFetchResponse(body);
  // Assess
  assert.throws(act, (error: unknown) => error instanceof RemoteRefusedError && error.message === 'upload-pack: not our ref');
});

test('a fetch response that is not in the Git protocol is a ProtocolError', () => {
  // Act
  const act = () => parseFetchResponse(Buffer.from('<html>sign in</html>'));
  // Assess
  assert.throws(act, (error: unknown) => error instanceof ProtocolError && error.message === 'the response is not in the Git protocol (bad pkt-line)');
});

test('ls-refs lines give refs with peeled tags', () => {
  // Prepare
  const body = Buffer.concat([Buffer.from(pktLine(`${A} refs/heads/main\n`)), Buffer.from(pktLine(`${B} refs/tags/v1 peeled:${A}\n`)), Buffer.from('0000')]);
  // Act
  const refs = parseLsRefsResponse(body);
  // Assess
  assert.deepEqual(refs, [
    { oid: A, ref: 'refs/heads/main' },
    { oid: B, ref: 'refs/tags/v1', peeled: A },
  ]);
});

test('an incremental fetch answer longer than its bound is cut off', async () => {
  // Prepare
  const chunk = new Uint8Array(64 * 1024);
  const http: HttpClient = {
    request: async (request: GitHttpRequest): Promise<GitHttpResponse> => ({
      url: request.url,
      statusCode: 200,
      statusMessage: 'OK',
      headers: { 'content-type': 'application/x-git-upload-pack-result' },
      body: (async function* () {
        for (let i = 0; i < 100; i++) yield chunk;
      })(),
    }),
  };
  // Act
  const fetching = fetchPack(http, 'http://git.test/fleet.git', {}, { want: A, haves: [B], shallows: [B], deepen: false }, AbortSignal.timeout(5000), 1 << 20);
  // Assess
  await assert.rejects(fetching, (error: unknown) => error instanceof ResponseTooLargeError && error.message === `the response passed ${1 << 20} bytes`);
});
