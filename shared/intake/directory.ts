/**
 * The routing table of the intake: webhook path → receiver and its token.
 *
 * A path is `/hook/<sha256(token + name + namespace)>`, so building the table needs every
 * receiver's token. The table is rebuilt when it is older than `refreshIntervalMs`; an unknown
 * path or a failed signature triggers at most one fresh read of the secrets per
 * `minRefreshIntervalMs` (rotation is picked up quickly, while a flood of bad requests cannot
 * turn into a flood of secret-store calls).
 */
import { errorMessage, InvalidInputError, NotFoundError, TidelineError, UnauthorizedError } from '#shared/errors/index.ts';
import type { FluxReceiver } from '#shared/config/receiver.ts';
import { receiverSecretName, receiverWebhookPath, tokenFromSecretValue } from '#shared/config/receiver.ts';
import { silentLogger, type Clock, type Logger, type SecretStore } from '#shared/ports/index.ts';
import type { ReceiverLookup, ReceiverRoute } from './types.ts';

export interface ReceiverDirectoryOptions {
  clock: Clock;
  logger?: Logger;
  /** Age after which the table is rebuilt from the (cached) secret store. Default 5 minutes. */
  refreshIntervalMs?: number;
  /** Least time between two fresh reads forced by unknown paths or bad signatures. Default 30 s. */
  minRefreshIntervalMs?: number;
}

const key = (receiver: FluxReceiver): string => `${receiver.metadata.namespace}/${receiver.metadata.name}`;

/** Resolves webhook paths to receivers, reading tokens from the secret store. */
export class ReceiverDirectory implements ReceiverLookup {
  readonly receivers: readonly FluxReceiver[];
  private readonly secrets: SecretStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly refreshIntervalMs: number;
  private readonly minRefreshIntervalMs: number;
  private routes = new Map<string, ReceiverRoute>();
  private builtAt = Number.NEGATIVE_INFINITY;
  private lastForcedAt = Number.NEGATIVE_INFINITY;
  private readonly lastTokenRefresh = new Map<string, number>();
  private building: Promise<void> | undefined;

  constructor(receivers: readonly FluxReceiver[], secrets: SecretStore, options: ReceiverDirectoryOptions) {
    this.receivers = receivers;
    this.secrets = secrets;
    this.clock = options.clock;
    this.logger = options.logger ?? silentLogger;
    this.refreshIntervalMs = options.refreshIntervalMs ?? 5 * 60_000;
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? 30_000;
  }

  /** The route of `path`, or undefined when no receiver answers there. */
  async resolve(path: string): Promise<ReceiverRoute | undefined> {
    if (this.clock.now() - this.builtAt >= this.refreshIntervalMs) await this.build(false);
    const route = this.routes.get(path);
    if (route) return route;
    if (this.clock.now() - this.lastForcedAt < this.minRefreshIntervalMs) return undefined;
    this.lastForcedAt = this.clock.now();
    await this.build(true);
    return this.routes.get(path);
  }

  /**
   * Re-reads one receiver's token bypassing caches, after a signature failed with the cached one.
   * Returns the route with the new token when it changed, undefined otherwise (or when rate-limited).
   */
  async refreshToken(route: ReceiverRoute): Promise<ReceiverRoute | undefined> {
    const id = key(route.receiver);
    const last = this.lastTokenRefresh.get(id) ?? Number.NEGATIVE_INFINITY;
    if (this.clock.now() - last < this.minRefreshIntervalMs) return undefined;
    this.lastTokenRefresh.set(id, this.clock.now());
    const fresh = await this.readRoute(route.receiver, true);
    if (typeof fresh === 'string' || fresh.token === route.token) return undefined;
    this.routes.delete(route.path);
    this.routes.set(fresh.path, fresh);
    return fresh;
  }

  /** Every receiver's route (for listing); receivers whose secret cannot be read are left out. */
  async list(): Promise<ReceiverRoute[]> {
    if (this.clock.now() - this.builtAt >= this.refreshIntervalMs) await this.build(false);
    return [...this.routes.values()];
  }

  private async build(fresh: boolean): Promise<void> {
    // Concurrent requests share one rebuild instead of each reading every secret.
    this.building ??= (async () => {
      const previous = new Map([...this.routes.values()].map((route) => [key(route.receiver), route]));
      const routes = new Map<string, ReceiverRoute>();
      const results = await Promise.all(this.receivers.map((receiver) => this.readRoute(receiver, fresh)));
      for (const [index, route] of results.entries()) {
        // A secret that could not be read now keeps its last known route rather than turning into 404s.
        // A deleted or invalid secret disables the receiver at once.
        const kept = route === 'unavailable' ? previous.get(key(this.receivers[index] as FluxReceiver)) : route === 'refused' ? undefined : route;
        if (kept) routes.set(kept.path, kept);
      }
      this.routes = routes;
      this.builtAt = this.clock.now();
    })().finally(() => {
      this.building = undefined;
    });
    await this.building;
  }

  /** The receiver's route; `refused` when its secret is missing or invalid, `unavailable` when the store failed. */
  private async readRoute(receiver: FluxReceiver, fresh: boolean): Promise<ReceiverRoute | 'refused' | 'unavailable'> {
    const secretName = receiverSecretName(receiver);
    try {
      const token = tokenFromSecretValue(await this.secrets.getSecret(secretName, { fresh }), secretName);
      return { receiver, token, path: receiverWebhookPath(token, receiver.metadata.name, receiver.metadata.namespace) };
    } catch (error) {
      // One unreadable secret must not take every other receiver down with it.
      this.logger.warn('receiver token unavailable', {
        receiver: key(receiver),
        secret: secretName,
        error: error instanceof TidelineError ? error.code : errorMessage(error),
      });
      // Missing, malformed or forbidden (a permission problem) is final; only a failing store is retried.
      return error instanceof NotFoundError || error instanceof InvalidInputError || error instanceof UnauthorizedError ? 'refused' : 'unavailable';
    }
  }
}
