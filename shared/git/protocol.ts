/**
 * The one Git wire exchange isomorphic-git does not offer: a protocol-v2 `fetch` of one commit by
 * its id, shallow (`deepen 1`), telling the server which commits the cache already holds. That is
 * what makes a checkout of a revision that is no longer a branch head possible (v1 servers only
 * hand out advertised refs), and an incremental fetch send only the objects that changed. The pack
 * it returns is indexed and read with isomorphic-git.
 */
import type { HttpClient } from 'isomorphic-git';

const encoder = new TextEncoder();

/** A pkt-line: four hex digits of length (including themselves), then the payload. */
export function pktLine(text: string): Uint8Array {
  const payload = encoder.encode(text);
  const line = new Uint8Array(payload.length + 4);
  line.set(encoder.encode((payload.length + 4).toString(16).padStart(4, '0')), 0);
  line.set(payload, 4);
  return line;
}

const FLUSH = encoder.encode('0000');
const DELIM = encoder.encode('0001');

/** What one fetch asks for. */
export interface FetchRequest {
  want: string;
  /** Commits whose objects the cache holds (their trees complete). */
  haves: readonly string[];
  /** The cache's shallow boundary (its `shallow` file). */
  shallows: readonly string[];
  /**
   * `deepen 1` for a first fetch. With haves the request must not deepen: git's upload-pack then
   * ignores the haves and sends the whole tree again. Without it, the declared shallow boundary
   * still tells the server which history the cache lacks, so nothing it needs is left out.
   */
  deepen: boolean;
}

/** The body of a protocol-v2 `command=fetch` request. */
export function fetchRequestBody(request: FetchRequest): Uint8Array {
  const parts: Uint8Array[] = [pktLine('command=fetch\n'), pktLine('agent=tideline\n'), DELIM, pktLine('no-progress\n'), pktLine('ofs-delta\n')];
  if (request.deepen) parts.push(pktLine('deepen 1\n'));
  for (const oid of request.shallows) parts.push(pktLine(`shallow ${oid}\n`));
  parts.push(pktLine(`want ${request.want}\n`));
  for (const oid of request.haves) parts.push(pktLine(`have ${oid}\n`));
  parts.push(pktLine('done\n'), FLUSH);
  return Buffer.concat(parts);
}

/** What the server answered: the pack and the new shallow boundary. */
export interface FetchResponse {
  pack: Buffer;
  shallow: string[];
  unshallow: string[];
}

/** The server answered in a way this client does not understand (not a v2 server, a proxy page…). */
export class ProtocolError extends Error {}

/** The server refused the request with `ERR …` or a sideband error (e.g. an unknown object). */
export class RemoteRefusedError extends Error {}

/**
 * Parses a v2 fetch response (`shallow-info`, then `packfile` in side-band 1; side-band 2 is
 * progress, 3 a fatal error). Throws ProtocolError or RemoteRefusedError.
 */
export function parseFetchResponse(body: Buffer): FetchResponse {
  const pack: Buffer[] = [];
  const shallow: string[] = [];
  const unshallow: string[] = [];
  let offset = 0;
  let section: string | undefined;
  while (offset + 4 <= body.length) {
    const length = Number.parseInt(body.toString('latin1', offset, offset + 4), 16);
    if (Number.isNaN(length)) throw new ProtocolError('the response is not in the Git protocol (bad pkt-line)');
    if (length === 0 || length === 1 || length === 2) {
      offset += 4;
      if (length === 0 && section === 'packfile') break;
      section = undefined;
      continue;
    }
    if (length < 4 || offset + length > body.length) throw new ProtocolError('the response ends in the middle of a pkt-line');
    const payload = body.subarray(offset + 4, offset + length);
    offset += length;
    if (section === 'packfile') {
      const band = payload[0];
      if (band === 1) pack.push(payload.subarray(1));
      else if (band === 3) throw new RemoteRefusedError(payload.subarray(1).toString('utf8').trim());
      continue;
    }
    const text = payload.toString('utf8').replace(/\n$/, '');
    if (text.startsWith('ERR ')) throw new RemoteRefusedError(text.slice(4));
    if (section === undefined) {
      if (text !== 'shallow-info' && text !== 'packfile' && text !== 'acknowledgments' && text !== 'wanted-refs') {
        throw new ProtocolError(`unexpected response section ${JSON.stringify(text.slice(0, 40))}`);
      }
      section = text;
    } else if (section === 'shallow-info') {
      const [kind, oid] = text.split(' ');
      if (kind === 'shallow' && oid) shallow.push(oid);
      else if (kind === 'unshallow' && oid) unshallow.push(oid);
    }
  }
  if (pack.length === 0) throw new ProtocolError('the response holds no pack');
  return { pack: Buffer.concat(pack), shallow, unshallow };
}

/** An incremental fetch brought more than its bound: the caller fetches shallowly instead. */
export class ResponseTooLargeError extends Error {}

async function readAll(body: AsyncIterableIterator<Uint8Array> | undefined, maxBytes = Number.POSITIVE_INFINITY, abort?: () => void): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    total += chunk.length;
    if (total > maxBytes) {
      abort?.();
      throw new ResponseTooLargeError(`the response passed ${maxBytes} bytes`);
    }
  }
  return Buffer.concat(chunks);
}

/** An HTTP answer other than 200 (status and a short text of its body, for the error). */
export class HttpStatusError extends Error {
  readonly statusCode: number;
  readonly retryAfterMs?: number;
  constructor(statusCode: number, statusMessage: string, retryAfter?: string) {
    super(`HTTP ${statusCode}${statusMessage ? ` ${statusMessage}` : ''}`);
    this.statusCode = statusCode;
    const seconds = retryAfter === undefined ? Number.NaN : Number(retryAfter);
    if (Number.isFinite(seconds)) this.retryAfterMs = seconds * 1000;
  }
}

/** POSTs a protocol-v2 command to `<url>/git-upload-pack`. */
function postUploadPack(http: HttpClient, url: string, headers: Record<string, string>, body: Uint8Array, signal: AbortSignal) {
  return http.request({
    url: `${url.replace(/\/$/, '')}/git-upload-pack`,
    method: 'POST',
    headers: {
      ...headers,
      'content-type': 'application/x-git-upload-pack-request',
      accept: 'application/x-git-upload-pack-result',
      'git-protocol': 'version=2',
      'user-agent': 'git/tideline',
    },
    body: [body] as unknown as AsyncIterableIterator<Uint8Array>,
    signal,
  });
}

/**
 * POSTs a v2 fetch to `<url>/git-upload-pack` and parses the answer. With `maxBytes`, a longer
 * answer is cut off with ResponseTooLargeError (an incremental fetch that turned out to bring
 * history, e.g. after a force-push).
 */
export async function fetchPack(
  http: HttpClient,
  url: string,
  headers: Record<string, string>,
  request: FetchRequest,
  signal: AbortSignal,
  maxBytes?: number,
): Promise<FetchResponse> {
  const cutOff = new AbortController();
  const response = await postUploadPack(http, url, headers, fetchRequestBody(request), AbortSignal.any([signal, cutOff.signal]));
  const body = await readAll(response.body, maxBytes, () => cutOff.abort());
  if (response.statusCode !== 200) throw new HttpStatusError(response.statusCode, response.statusMessage, response.headers?.['retry-after']);
  return parseFetchResponse(body);
}

/** A ref line of an `ls-refs` answer. */
export interface ListedRef {
  ref: string;
  oid: string;
  peeled?: string;
}

/** Parses a v2 `ls-refs` answer: `<oid> <ref>[ peeled:<oid>]` lines, then a flush. Throws ProtocolError. */
export function parseLsRefsResponse(body: Buffer): ListedRef[] {
  const refs: ListedRef[] = [];
  let offset = 0;
  while (offset + 4 <= body.length) {
    const length = Number.parseInt(body.toString('latin1', offset, offset + 4), 16);
    if (Number.isNaN(length)) throw new ProtocolError('the response is not in the Git protocol (bad pkt-line)');
    if (length === 0) return refs;
    if (length < 4 || offset + length > body.length) throw new ProtocolError('the response ends in the middle of a pkt-line');
    const text = body.toString('utf8', offset + 4, offset + length).replace(/\n$/, '');
    offset += length;
    if (text.startsWith('ERR ')) throw new RemoteRefusedError(text.slice(4));
    const match = /^([0-9a-f]{40}) (\S+)(.*)$/.exec(text);
    if (match === null) throw new ProtocolError(`unexpected ls-refs line ${JSON.stringify(text.slice(0, 60))}`);
    const peeled = /(?:^| )peeled:([0-9a-f]{40})/.exec(match[3] ?? '')?.[1];
    refs.push({ oid: match[1] as string, ref: match[2] as string, ...(peeled ? { peeled } : {}) });
  }
  throw new ProtocolError('the ref listing has no end');
}

/**
 * A protocol-v2 `ls-refs` in one POST (no capability round trip first), limited to `prefix`,
 * annotated tags peeled. Throws ProtocolError when the server does not answer in protocol v2.
 */
export async function lsRefs(
  http: HttpClient,
  url: string,
  headers: Record<string, string>,
  prefix: string | undefined,
  signal: AbortSignal,
): Promise<ListedRef[]> {
  const parts = [pktLine('command=ls-refs\n'), pktLine('agent=tideline\n'), DELIM, pktLine('peel\n')];
  if (prefix !== undefined) parts.push(pktLine(`ref-prefix ${prefix}\n`));
  parts.push(FLUSH);
  const response = await postUploadPack(http, url, headers, Buffer.concat(parts), signal);
  const body = await readAll(response.body);
  if (response.statusCode !== 200) throw new HttpStatusError(response.statusCode, response.statusMessage, response.headers?.['retry-after']);
  if (!(response.headers?.['content-type'] ?? '').includes('application/x-git-upload-pack-result'))
    throw new ProtocolError('the server did not answer with a Git upload-pack result');
  return parseLsRefsResponse(body);
}
