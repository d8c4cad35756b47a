/**
 * A real HTTP server on 127.0.0.1 that answers like Slack's incoming webhooks and Web API and
 * GitHub's / GitLab's status endpoints, with scripted answers per path, and records every request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer. `delayMs` holds the answer back (to exceed a client timeout). */
export interface ScriptedReply {
  status: number;
  body?: string | object;
  headers?: Record<string, string>;
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Parsed JSON body (undefined when not JSON). */
  json: unknown;
}

/** Slack's answers, as documented for webhooks (text bodies) and the Web API (JSON bodies). */
export const slackReplies = {
  webhookOk: (): ScriptedReply => ({ status: 200, body: 'ok' }),
  webhookError: (status: number, reason: string): ScriptedReply => ({ status, body: reason }),
  rateLimited: (seconds: number): ScriptedReply => ({ status: 429, body: 'rate_limited', headers: { 'retry-after': String(seconds) } }),
  apiOk: (ts: string, channel = 'C0123456'): ScriptedReply => ({ status: 200, body: { ok: true, channel, ts } }),
  apiError: (error: string): ScriptedReply => ({ status: 200, body: { ok: false, error } }),
};

export class FakeProviderServer {
  readonly requests: RecordedRequest[] = [];
  readonly #scripts = new Map<string, ScriptedReply[]>();
  readonly #defaults = new Map<string, ScriptedReply>();
  readonly #server: Server;
  readonly #pending = new Set<ServerResponse>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #port = 0;

  constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** Starts listening on an ephemeral loopback port. */
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Queues replies for `path` (answered in order; then the default, else 200 `ok`). */
  script(path: string, ...replies: ScriptedReply[]): void {
    this.#scripts.set(path, [...(this.#scripts.get(path) ?? []), ...replies]);
  }

  /** The reply for `path` once the script is used up. */
  setDefault(path: string, reply: ScriptedReply): void {
    this.#defaults.set(path, reply);
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    for (const res of this.#pending) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, body, json });
    const queue = this.#scripts.get(path);
    const reply = queue?.shift() ?? this.#defaults.get(path) ?? { status: 200, body: 'ok' };
    this.#pending.add(res);
    res.on('close', () => this.#pending.delete(res));
    if (reply.delayMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          resolve();
        }, reply.delayMs);
        this.#timers.add(timer);
        res.on('close', () => {
          clearTimeout(timer);
          this.#timers.delete(timer);
          resolve();
        });
      });
    }
    if (res.destroyed) return;
    const text = typeof reply.body === 'string' ? reply.body : reply.body === undefined ? '' : JSON.stringify(reply.body);
    const type = typeof reply.body === 'object' ? 'application/json' : 'text/plain';
    res.writeHead(reply.status, { 'content-type': type, ...(reply.headers ?? {}) });
    res.end(text);
  }
}
