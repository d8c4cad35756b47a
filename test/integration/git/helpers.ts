// A proxy in front of the test Git server, for the tests that need the server to look different
// (TLS of its own, an older protocol) while git http-backend still does the serving.
import type { TestContext } from 'node:test';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

/** How the proxy serves: over TLS with this certificate, and with the request headers rewritten. */
export interface ProxyOptions {
  tls?: { cert: string; key: string };
  headers?: (headers: IncomingHttpHeaders) => IncomingHttpHeaders;
}

/** Starts a proxy (closed when the test ends) passing every request on to `repoUrl`'s server; returns the repository's URL through it. */
export async function proxyGitRepo(t: TestContext, repoUrl: string, options: ProxyOptions = {}): Promise<string> {
  const upstream = new URL(repoUrl);
  const rewrite = options.headers ?? ((headers) => headers);
  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const forwarded = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: rewrite({ ...req.headers }) },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forwarded);
  };
  const proxy = (options.tls ? createHttpsServer(options.tls, forward) : createHttpServer(forward)).listen(0, '127.0.0.1');
  await new Promise((resolve) => proxy.once('listening', resolve));
  t.after(() => {
    proxy.closeAllConnections();
    proxy.close();
  });
  return `${options.tls ? 'https' : 'http'}://127.0.0.1:${(proxy.address() as { port: number }).port}${upstream.pathname}`;
}
