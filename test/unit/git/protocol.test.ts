import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { ProtocolError, RemoteRefusedError, ResponseTooLargeError, fetchPack, fetchRequestBody, parseFetchResponse, parseLsRefsResponse, pktLine } from '#shared/git/protocol.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function band(n: number, data: Buffer): Buffer {
  const line = Buffer.alloc(data.length + 5);
  line.write((data.length + 5).toString(16).padStart(4, '0'), 0, 'latin1');
  line[4] = n;
  data.copy(line, 5);
  return line;
}

test('a shallow first fetch deepens; an incremental one sends haves and the shallow boundary without deepening', () => {
  const first = Buffer.from(fetchRequestBody({ want: A, haves: [], shallows: [], deepen: true })).toString('latin1');
  const next = Buffer.from(fetchRequestBody({ want: A, haves: [B], shallows: [B], deepen: false })).toString('latin1');

  assert.match(first, /000ddeepen 1\n/);
  assert.match(first, new RegExp(`0032want ${A}\n0009done\n0000$`));
  assert.doesNotMatch(next, /deepen/);
  assert.match(next, new RegExp(`shallow ${B}\n.*want ${A}\n.*have ${B}\n`, 's'));
});

test('a fetch response yields the pack from side-band 1 and the shallow lines; side-band 3 is a refusal', () => {
  const body = Buffer.concat([Buffer.from(pktLine('shallow-info\n')), Buffer.from(pktLine(`shallow ${A}\n`)), Buffer.from('0001'), Buffer.from(pktLine('packfile\n')), band(2, Buffer.from('progress')), band(1, Buffer.from('PACK-part-1')), band(1, Buffer.from('-part-2')), Buffer.from('0000')]);

  assert.deepEqual(parseFetchResponse(body), { pack: Buffer.from('PACK-part-1-part-2'), shallow: [A], unshallow: [] });
  assert.throws(() => parseFetchResponse(Buffer.concat([Buffer.from(pktLine('packfile\n')), band(3, Buffer.from('upload-pack: not our ref')), Buffer.from('0000')])), RemoteRefusedError);
  assert.throws(() => parseFetchResponse(Buffer.from('<html>sign in</html>')), ProtocolError);
});

test('ls-refs lines give refs with peeled tags', () => {
  const body = Buffer.concat([Buffer.from(pktLine(`${A} refs/heads/main\n`)), Buffer.from(pktLine(`${B} refs/tags/v1 peeled:${A}\n`)), Buffer.from('0000')]);

  assert.deepEqual(parseLsRefsResponse(body), [
    { oid: A, ref: 'refs/heads/main' },
    { oid: B, ref: 'refs/tags/v1', peeled: A },
  ]);
});

test('an incremental fetch answer longer than its bound is cut off', async () => {
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

  await assert.rejects(fetchPack(http, 'http://git.test/fleet.git', {}, { want: A, haves: [B], shallows: [B], deepen: false }, AbortSignal.timeout(5000), 1 << 20), ResponseTooLargeError);
});
