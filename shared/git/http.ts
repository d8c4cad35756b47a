/**
 * The HTTP client the Git source speaks through: isomorphic-git's tiny plugin interface
 * (`request() → { statusCode, headers, body }`) over Node's own `http`/`https`, so a repository
 * can bring its own CA bundle (`ca.crt`) and connections are kept alive between the ref lookup and
 * the fetch (and across repositories of one host while a Lambda is warm).
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** PEM CA bundle trusted for HTTPS besides the system roots (Flux's `ca.crt`, appended to the system pool as go-git does). */
  caCert?: string;
  /** Aborts every request of this client (the operation's `spec.timeout`), unless a request brings its own. */
  signal?: AbortSignal;
}

const plainAgent = new HttpAgent({ keepAlive: true, maxSockets: 32 });
const defaultTlsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 32 });
const tlsAgentsByCa = new Map<string, HttpsAgent>();

function tlsAgentFor(caCert: string | undefined): HttpsAgent {
  if (caCert === undefined) return defaultTlsAgent;
  let agent = tlsAgentsByCa.get(caCert);
  if (agent === undefined) {
    // Node's `ca` replaces the bundled roots; go-git appends to them, so both are passed.
    agent = new HttpsAgent({ keepAlive: true, maxSockets: 32, ca: [...rootCertificates, caCert] });
    tlsAgentsByCa.set(caCert, agent);
  }
  return agent;
}

async function collectBody(body: GitHttpRequest['body']): Promise<Buffer | undefined> {
  if (body === undefined) return undefined;
  const chunks: Uint8Array[] = [];
  // isomorphic-git passes either an async iterator or an array of chunks.
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function responseHeaders(res: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * An isomorphic-git HTTP plugin over Node's `http`/`https` with keep-alive agents and an
 * optional CA bundle. The request body is sent with a Content-Length (some hosts, e.g.
 * CodeCommit, refuse chunked uploads); the response body streams.
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const url = new URL(req.url);
      const body = await collectBody(req.body);
      const headers: Record<string, string> = { ...req.headers };
      if (body !== undefined) headers['content-length'] = String(body.length);
      const isTls = url.protocol === 'https:';
      const send = isTls ? httpsRequest : httpRequest;
      return new Promise<GitHttpResponse>((resolve, reject) => {
        const outgoing = send(url, {
          method: req.method ?? 'GET',
          headers,
          agent: isTls ? tlsAgentFor(options.caCert) : plainAgent,
          ...((req.signal ?? options.signal) ? { signal: req.signal ?? options.signal } : {}),
        });
        outgoing.once('error', reject);
        outgoing.once('response', (res) => {
          resolve({
            url: req.url,
            method: req.method ?? 'GET',
            statusCode: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            headers: responseHeaders(res),
            body: res[Symbol.asyncIterator]() as AsyncIterableIterator<Uint8Array>,
          });
        });
        outgoing.end(body);
      });
    },
  };
}
