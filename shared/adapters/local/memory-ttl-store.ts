/**
 * In-memory {@link TtlStore} for local mode and tests.
 *
 * Expiry follows the injected Clock, so a test can step past a TTL without sleeping. Expired
 * keys are dropped lazily on access and swept when the map grows, keeping memory bounded by the
 * number of live keys.
 */
import { systemClock, type Clock, type TtlStore } from '#shared/ports/index.ts';

const SWEEP_EVERY = 1024;

/** A TtlStore held in process memory; contents are lost on restart (fine for dedup windows). */
export class MemoryTtlStore implements TtlStore {
  readonly #clock: Clock;
  readonly #expiries = new Map<string, number>();
  #writesSinceSweep = 0;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** Records `key` for `ttlMs` unless a live record exists; true when this call recorded it. */
  async putIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock.now();
    const expiry = this.#expiries.get(key);
    if (expiry !== undefined && expiry > now) return false;
    this.#expiries.set(key, now + ttlMs);
    if (++this.#writesSinceSweep >= SWEEP_EVERY) this.#sweep(now);
    return true;
  }

  /** Forgets `key`, so the next putIfAbsent records it again. */
  async delete(key: string): Promise<void> {
    this.#expiries.delete(key);
  }

  /** Number of live (unexpired) keys; for tests and diagnostics. */
  size(): number {
    this.#sweep(this.#clock.now());
    return this.#expiries.size;
  }

  #sweep(now: number): void {
    this.#writesSinceSweep = 0;
    for (const [key, expiry] of this.#expiries) if (expiry <= now) this.#expiries.delete(key);
  }
}
