/**
 * Where the status and control commands find the fleet's status and its bus: the local data
 * directory of `tideline dev` by default, or the AWS deployment's DynamoDB table and EventBridge
 * bus when named. Shared by `get`, `reconcile`, `suspend` and `resume`.
 */
import type { Command } from 'commander';
import { localDataPaths } from '#shared/adapters/local/data-dir.ts';
import { FileStatusStore } from '#shared/adapters/local/file-status-store.ts';
import { HttpControlBus, readDevEndpoint } from '#shared/adapters/local/http-control-bus.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import type { Clock, EventBus, StatusStore } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';

/** Streams and environment of one CLI run (the process's, or a test's). */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  clock: Clock;
  /** Records the exit code of the run (a non-zero one wins over a later zero). */
  setExitCode(code: number): void;
}

/** The running process's streams, environment and clock. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    clock: systemClock,
    setExitCode: (code) => {
      if (code !== 0) process.exitCode = code;
    },
  };
}

/** Options every status command takes. */
export interface StatusAccessOptions {
  statusFile?: string;
  statusTable?: string;
  dataDir?: string;
}

/** Options of the commands that publish events. */
export interface BusAccessOptions extends StatusAccessOptions {
  bus?: string;
}

/** Adds `--status-file`, `--status-table` and `--data-dir` to a command. */
export function withStatusOptions(command: Command): Command {
  return command
    .option('--status-file <file>', 'local status file (env TIDELINE_STATUS_FILE; default <data dir>/status.json)')
    .option('--status-table <name>', 'DynamoDB status table of an AWS deployment (env TIDELINE_STATUS_TABLE)')
    .option('--data-dir <dir>', 'local data directory (env TIDELINE_DATA_DIR; default ${XDG_STATE_HOME:-~/.local/state}/tideline)');
}

/** Adds the status options and `--bus` to a command. */
export function withBusOptions(command: Command): Command {
  return withStatusOptions(command).option(
    '--bus <name>',
    'EventBridge bus of an AWS deployment (wins over a running tideline dev; env TIDELINE_BUS_NAME is used only when none runs)',
  );
}

function environmentFor(options: StatusAccessOptions, io: CliIo): Readonly<Record<string, string | undefined>> {
  return options.dataDir ? { ...io.env, TIDELINE_DATA_DIR: options.dataDir } : io.env;
}

/**
 * The status store: `--status-table`, else `--status-file`, else `TIDELINE_STATUS_TABLE`, else
 * `TIDELINE_STATUS_FILE`, else the local data directory's `status.json`.
 */
export async function openStatusStore(options: StatusAccessOptions, io: CliIo): Promise<StatusStore> {
  const table = options.statusTable ?? (options.statusFile ? undefined : io.env['TIDELINE_STATUS_TABLE']);
  if (table) {
    const { awsSettingsFrom, dynamoDbStatusStore } = await import('#shared/adapters/aws/from-environment.ts');
    return dynamoDbStatusStore(table, io.clock, awsSettingsFrom(io.env));
  }
  const file = options.statusFile ?? io.env['TIDELINE_STATUS_FILE'] ?? localDataPaths(environmentFor(options, io)).statusFile;
  return new FileStatusStore(file, { clock: io.clock });
}

/**
 * The bus requests go to: an explicit `--bus` is the EventBridge bus of that name; otherwise a
 * running `tideline dev` (its `dev.json`) gets them over its control endpoint; otherwise
 * `TIDELINE_BUS_NAME`. InvalidInputError when there is none of these.
 */
export async function openControlBus(options: BusAccessOptions, io: CliIo): Promise<{ bus: EventBus; description: string }> {
  if (options.bus) return eventBridge(options.bus, io);
  const { devFile } = localDataPaths(environmentFor(options, io));
  const dev = await readDevEndpoint(devFile);
  if (dev) return { bus: new HttpControlBus(dev), description: `tideline dev at ${dev.url}` };
  const busName = io.env['TIDELINE_BUS_NAME'];
  if (busName) return eventBridge(busName, io);
  throw new InvalidInputError(`no running tideline dev (no live ${devFile}) and no EventBridge bus (--bus or TIDELINE_BUS_NAME): nowhere to send the request`);
}

async function eventBridge(busName: string, io: CliIo): Promise<{ bus: EventBus; description: string }> {
  const { awsSettingsFrom, eventBridgeBus } = await import('#shared/adapters/aws/from-environment.ts');
  return { bus: eventBridgeBus(busName, io.clock, awsSettingsFrom(io.env)), description: `EventBridge bus ${busName}` };
}
