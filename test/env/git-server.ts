// A Git smart-HTTP server for tests: a small Node HTTP server in front of `git http-backend`
// (the CGI program that real Git hosting setups use), so clients speak the real protocol.
// Repositories that contain a `tideline-auth` file ("user:password") require basic auth; a
// `tideline-auth-bearer` file (the token) requires `Authorization: Bearer <token>`.
import { spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, normalize } from 'node:path';

/** Name of the per-repository file that switches on basic auth. */
export const authFileName = 'tideline-auth';
/** Name of the per-repository file that switches on bearer-token auth (the file holds the token). */
export const bearerAuthFileName = 'tideline-auth-bearer';

export interface GitServer {
  /** `http://127.0.0.1:<port>`; a repository `<root>/a/b.git` is served at `<baseUrl>/a/b.git`. */
  baseUrl: string;
  projectRoot: string;
  stop(): Promise<void>;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkAuth(req: IncomingMessage, repoDir: string): { ok: boolean; user?: string } {
  const bearerFile = join(repoDir, bearerAuthFileName);
  if (existsSync(bearerFile)) {
    const header = req.headers.authorization ?? '';
    return { ok: header.startsWith('Bearer ') && sameSecret(header.slice('Bearer '.length), readFileSync(bearerFile, 'utf8').trim()) };
  }
  const authFile = join(repoDir, authFileName);
  if (!existsSync(authFile)) return { ok: true };
  const expected = readFileSync(authFile, 'utf8').trim();
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return { ok: false };
  const given = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  return sameSecret(given, expected) ? { ok: true, user: given.slice(0, given.indexOf(':')) } : { ok: false };
}

function respond(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${message}\n`);
}

function handle(projectRoot: string, req: IncomingMessage, res: ServerResponse, onPush?: (bareDir: string) => void): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let pathInfo: string;
  try {
    pathInfo = normalize(decodeURIComponent(url.pathname));
  } catch {
    respond(res, 400, 'bad path');
    return;
  }
  const repoMatch = /^(\/.+?\.git)(?:\/|$)/.exec(pathInfo);
  if (repoMatch === null || pathInfo.includes('..')) {
    respond(res, 404, 'not a repository');
    return;
  }
  const repoDir = join(projectRoot, repoMatch[1] ?? '');
  if (!existsSync(repoDir)) {
    respond(res, 404, 'repository not found');
    return;
  }
  const auth = checkAuth(req, repoDir);
  if (!auth.ok) {
    respond(res, 401, 'authentication required', { 'www-authenticate': 'Basic realm="tideline-test-git"' });
    return;
  }

  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    PATH_INFO: pathInfo,
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    SERVER_SOFTWARE: 'tideline-test-git',
  };
  if (req.headers['content-length'] !== undefined) env['CONTENT_LENGTH'] = req.headers['content-length'];
  if (req.headers['content-encoding'] !== undefined) env['HTTP_CONTENT_ENCODING'] = req.headers['content-encoding'];
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') env['GIT_PROTOCOL'] = protocol;
  if (auth.user !== undefined) env['REMOTE_USER'] = auth.user;

  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  cgi.stderr.setEncoding('utf8');
  cgi.stderr.on('data', (chunk: string) => (stderr += chunk));
  cgi.on('error', (error) => {
    if (!res.headersSent) respond(res, 500, `git http-backend could not start: ${error.message}`);
    else res.destroy();
  });
  cgi.stdin.on('error', () => undefined); // the backend may answer before reading everything
  req.pipe(cgi.stdin);

  // CGI output is "Header: value" lines, a blank line, then the body.
  let head = Buffer.alloc(0);
  let headerDone = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headerDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const crlf = head.indexOf('\r\n\r\n');
    const lf = head.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
    if (end < 0) return;
    const separator = end === crlf ? 4 : 2;
    headerDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + separator));
  });
  cgi.on('close', (code) => {
    if (!headerDone) {
      respond(res, 500, `git http-backend failed (exit ${code}): ${stderr.trim().slice(-500)}`);
      return;
    }
    res.end();
    // A Git host sends its push webhooks once the push is stored.
    if (code === 0 && onPush !== undefined && req.method === 'POST' && pathInfo.endsWith('/git-receive-pack')) onPush(repoDir);
  });
}

/**
 * Starts the Git HTTP server on a free loopback port, serving the bare repositories under `projectRoot`.
 * `onPush` is called with a repository's directory after each push to it (local mode sends webhooks from it).
 */
export async function startGitServer(projectRoot: string, options: { onPush?: (bareDir: string) => void; port?: number } = {}): Promise<GitServer> {
  const server = createServer((req, res) => handle(projectRoot, req, res, options.onPush));
  // Idle keep-alive connections must not hold a finished test process open either.
  server.on('connection', (socket) => socket.unref());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  // Open client connections keep the process alive while in use; the listener itself must not.
  server.unref();
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('testenv: git server has no address');
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    projectRoot,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
