/**
 * {@link Logger} for local mode: one readable line per entry on a stream, e.g.
 * `12:00:01.234 info  rendered dev/apps main@sha1:abc1234 12 objects 35 ms cluster=dev`.
 *
 * Attributes follow the message as compact `key=value` pairs (strings bare unless they need
 * quoting, objects as JSON, errors as their message). On a terminal, warnings are yellow, errors
 * red and the time dim; into a file or pipe the line stays plain text.
 */
import type { Clock, Logger } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const SEVERITY: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const COLOR: Record<LogLevel, string> = { debug: '\x1b[2m', info: '', warn: '\x1b[33m', error: '\x1b[31m' };
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

/** The part of a writable stream the logger uses. */
export interface LogStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ConsoleLoggerOptions {
  /** Where lines go (default: stderr). */
  stream?: LogStream;
  /** Entries below this level are dropped (default `info`). */
  level?: LogLevel;
  /** Colour the output; default: when the stream is a TTY (and `NO_COLOR` is unset). */
  color?: boolean;
  /** Print times in UTC instead of the local time zone (tests, log files shared across zones). */
  utc?: boolean;
  clock?: Clock;
  /** Attributes printed on every line, before the entry's own. */
  attributes?: Record<string, unknown>;
}

/** A human-readable live log. */
export class ConsoleLogger implements Logger {
  readonly #stream: LogStream;
  readonly #level: LogLevel;
  readonly #color: boolean;
  readonly #utc: boolean;
  readonly #clock: Clock;
  readonly #attributes: Record<string, unknown>;

  constructor(options: ConsoleLoggerOptions = {}) {
    this.#stream = options.stream ?? process.stderr;
    this.#level = options.level ?? 'info';
    this.#color = options.color ?? (this.#stream.isTTY === true && !process.env['NO_COLOR']);
    this.#utc = options.utc ?? false;
    this.#clock = options.clock ?? systemClock;
    this.#attributes = options.attributes ?? {};
  }

  /** A logger that prints `attributes` on each line before the entry's own (e.g. `cluster=dev`). */
  child(attributes: Record<string, unknown>): ConsoleLogger {
    return new ConsoleLogger({
      stream: this.#stream,
      level: this.#level,
      color: this.#color,
      utc: this.#utc,
      clock: this.#clock,
      attributes: { ...this.#attributes, ...attributes },
    });
  }

  debug(message: string, ...attributes: Record<string, unknown>[]): void {
    this.#write('debug', message, attributes);
  }

  info(message: string, ...attributes: Record<string, unknown>[]): void {
    this.#write('info', message, attributes);
  }

  warn(message: string, ...attributes: Record<string, unknown>[]): void {
    this.#write('warn', message, attributes);
  }

  error(message: string, ...attributes: Record<string, unknown>[]): void {
    this.#write('error', message, attributes);
  }

  #write(level: LogLevel, message: string, attributes: Record<string, unknown>[]): void {
    if (SEVERITY[level] < SEVERITY[this.#level]) return;
    const merged: Record<string, unknown> = Object.assign({}, this.#attributes, ...attributes);
    const pairs = Object.entries(merged)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${formatValue(value)}`);
    const time = formatTime(new Date(this.#clock.now()), this.#utc);
    const label = level.padEnd(5);
    const text = [message, ...pairs].join(' ');
    if (!this.#color) {
      this.#stream.write(`${time} ${label} ${text}\n`);
      return;
    }
    const color = COLOR[level];
    this.#stream.write(`${DIM}${time}${RESET} ${color}${label} ${text}${color ? RESET : ''}\n`);
  }
}

function formatTime(date: Date, utc: boolean): string {
  const parts = utc
    ? [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds()]
    : [date.getHours(), date.getMinutes(), date.getSeconds(), date.getMilliseconds()];
  const [h, m, s, ms] = parts as [number, number, number, number];
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms, 3)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** A value as printed after `key=`: bare when it is one plain word, JSON otherwise. */
function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
