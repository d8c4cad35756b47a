/**
 * In-memory {@link TtlStore} for local mode and tests.
 *
 * Expiry follows the injected Clock, so a test can step past a TTL without sleeping. Expired
 * keys are dropped lazily on access and swept when the map grows, keeping memory bounded by the
 * number of live keys. Every method reads and writes the map without awaiting in between, which
 * is what makes a claim atomic within the process (the only scope this store has).
 */
import { systemClock, type ClaimState, type Clock, type TtlStore } from '#shared/ports/index.ts';

const SWEEP_EVERY = 1024;

interface MemoryRecord {
  expiry: number;
  /** Records from putIfAbsent carry no state and count as done. */
  state?: 'in-progress' | 'done';
}

/** A TtlStore held in process memory; contents are lost on restart (fine for dedup windows). */
export class MemoryTtlStore implements TtlStore {
  readonly #clock: Clock;
  readonly #records = new Map<string, MemoryRecord>();
  #writesSinceSweep = 0;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** Records `key` for `ttlMs` unless a live record exists; true when this call recorded it. */
  async putIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock.now();
    if (this.#live(key, now)) return false;
    this.#write(key, { expiry: now + ttlMs }, now);
    return true;
  }

  /** Forgets `key`, so the next putIfAbsent or claim records it again. */
  async delete(key: string): Promise<void> {
    this.#records.delete(key);
  }

  /** Records `key` as in progress unless a live record exists; otherwise answers that record's state. */
  async claim(key: string, inProgressTtlMs: number): Promise<ClaimState> {
    const now = this.#clock.now();
    const live = this.#live(key, now);
    if (live) return live.state === 'in-progress' ? 'in-progress' : 'done';
    this.#write(key, { expiry: now + inProgressTtlMs, state: 'in-progress' }, now);
    return 'claimed';
  }

  /** Turns a live in-progress claim into a done record kept for `ttlMs`; false when there is none. */
  async complete(key: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock.now();
    if (this.#live(key, now)?.state !== 'in-progress') return false;
    this.#records.set(key, { expiry: now + ttlMs, state: 'done' });
    return true;
  }

  /** Number of live (unexpired) keys; for tests and diagnostics. */
  size(): number {
    this.#sweep(this.#clock.now());
    return this.#records.size;
  }

  #live(key: string, now: number): MemoryRecord | undefined {
    const record = this.#records.get(key);
    return record !== undefined && record.expiry > now ? record : undefined;
  }

  #write(key: string, record: MemoryRecord, now: number): void {
    this.#records.set(key, record);
    if (++this.#writesSinceSweep >= SWEEP_EVERY) this.#sweep(now);
  }

  #sweep(now: number): void {
    this.#writesSinceSweep = 0;
    for (const [key, record] of this.#records) if (record.expiry <= now) this.#records.delete(key);
  }
}
