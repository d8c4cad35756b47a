/**
 * `tideline get kustomizations [name]` and `tideline get sources [git]`: the fleet's reconcile
 * status, printed as `flux get` prints it (NAME, REVISION, SUSPENDED, READY, MESSAGE; NAMESPACE
 * first with `-A`), with a CLUSTER column in front for Kustomizations, since one status store
 * covers the whole fleet. `-o json` prints the records whole: both revisions, inventory size,
 * last change set and timings.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { KustomizationStatus, SourceStatus } from '#shared/ports/index.ts';
import { openStatusStore, processIo, withStatusOptions, type CliIo, type StatusAccessOptions } from '#shared/cli/status-access.ts';

/** Options of the `get` subcommands. */
export interface GetOptions extends StatusAccessOptions {
  cluster?: string;
  allNamespaces?: boolean;
  namespace: string;
  output: 'text' | 'json';
}

/** Shortens every 40–128 hex-digit run (a commit id, a digest) to 8 digits, as `flux get` does. */
export function truncateHex(text: string): string {
  return text.replace(/\b[a-f0-9]{40,128}\b/g, (hex) => hex.slice(0, 8));
}

/**
 * Formats rows as `flux get` does: left-aligned columns padded to their widest cell, separated
 * by a tab, headers in upper case; the last column is not padded.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers.map((header) => header.toUpperCase()), ...rows];
  const widths = headers.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('\t'))
    .join('\n')
    .concat('\n');
}

function suspendedColumn(record: { suspended?: boolean; ready: { reason: string } }): string {
  return record.suspended === true || record.ready.reason === 'Suspended' ? 'True' : 'False';
}

/** The MESSAGE of a Kustomization: Ready's message, and the attempted revision when it is not the applied one. */
export function kustomizationMessage(record: KustomizationStatus): string {
  const attempted = record.lastAttemptedRevision;
  const note = attempted && attempted !== record.lastAppliedRevision && !record.ready.message.includes(attempted) ? ` (last attempted: ${attempted})` : '';
  return truncateHex(`${record.ready.message}${note}`);
}

/** The table of `get kustomizations`. */
export function kustomizationTable(records: readonly KustomizationStatus[], allNamespaces: boolean): string {
  const headers = ['Cluster', ...(allNamespaces ? ['Namespace'] : []), 'Name', 'Revision', 'Suspended', 'Ready', 'Message'];
  const rows = records.map((record) => [
    record.cluster,
    ...(allNamespaces ? [record.namespace] : []),
    record.name,
    truncateHex(record.lastAppliedRevision ?? ''),
    suspendedColumn(record),
    record.ready.status,
    kustomizationMessage(record),
  ]);
  return formatTable(headers, rows);
}

/** The table of `get sources git` (names prefixed with the kind for `get sources`, as `flux get sources all`). */
export function sourceTable(records: readonly SourceStatus[], allNamespaces: boolean, includeKind: boolean): string {
  const headers = ['Cluster', ...(allNamespaces ? ['Namespace'] : []), 'Name', 'Revision', 'Suspended', 'Ready', 'Message'];
  const rows = records.map((record) => [
    record.cluster,
    ...(allNamespaces ? [record.namespace] : []),
    includeKind ? `${record.kind.toLowerCase()}/${record.name}` : record.name,
    truncateHex(record.revision ?? ''),
    suspendedColumn(record),
    record.ready.status,
    truncateHex(record.ready.message),
  ]);
  return formatTable(headers, rows);
}

function where(options: GetOptions): string {
  const namespace = options.allNamespaces ? 'any' : JSON.stringify(options.namespace);
  return `in ${namespace} namespace${options.cluster ? ` of cluster ${options.cluster}` : ''}`;
}

/** Runs `get kustomizations`; resolves to the exit code (1 when nothing matched, as flux). */
export async function getKustomizations(name: string | undefined, options: GetOptions, io: CliIo): Promise<number> {
  const store = await openStatusStore(options, io);
  const records = (await store.listKustomizations(options.cluster ? { cluster: options.cluster } : {})).filter(
    (record) => (options.allNamespaces || record.namespace === options.namespace) && (name === undefined || record.name === name),
  );
  if (options.output === 'json') {
    io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    return records.length === 0 && name !== undefined ? 1 : 0;
  }
  if (records.length === 0) {
    io.stderr.write(
      name === undefined ? `✗ no Kustomization objects found ${where(options)}\n` : `✗ Kustomization object '${name}' not found ${where(options)}\n`,
    );
    return 1;
  }
  io.stdout.write(kustomizationTable(records, options.allNamespaces === true));
  return 0;
}

/** Runs `get sources [git]`; `kind` undefined lists every kind (only GitRepository exists yet). */
export async function getSources(name: string | undefined, kind: 'GitRepository' | undefined, options: GetOptions, io: CliIo): Promise<number> {
  const store = await openStatusStore(options, io);
  const records = (await store.listSources()).filter(
    (record) =>
      (options.cluster === undefined || record.cluster === options.cluster) &&
      (kind === undefined || record.kind === kind) &&
      (options.allNamespaces || record.namespace === options.namespace) &&
      (name === undefined || record.name === name),
  );
  if (options.output === 'json') {
    io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    return records.length === 0 && name !== undefined ? 1 : 0;
  }
  if (records.length === 0) {
    const label = kind ?? 'source';
    io.stderr.write(name === undefined ? `✗ no ${label} objects found ${where(options)}\n` : `✗ ${label} object '${name}' not found ${where(options)}\n`);
    return 1;
  }
  io.stdout.write(sourceTable(records, options.allNamespaces === true, kind === undefined));
  if (kind === undefined) io.stdout.write('\n');
  return 0;
}

function withGetOptions(command: Command): Command {
  const withCluster = command.option('--cluster <name>', 'only this cluster');
  return withStatusOptions(
    withCluster
      .option('-A, --all-namespaces', 'list the objects of every namespace')
      .option('-n, --namespace <ns>', 'the namespace of the objects', 'flux-system')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text')),
  );
}

/** Registers the `get` verb and its subcommands; `io` is the process's unless a test passes its own. */
export function registerGet(program: Command, io: CliIo = processIo()): void {
  const setExit = (code: number): void => io.setExitCode(code);
  const get = program.command('get').description('print the reconcile status of Kustomizations and sources, as flux get does');
  withGetOptions(
    get
      .command('kustomizations')
      .aliases(['kustomization', 'ks'])
      .description('status of Kustomizations per cluster')
      .argument('[name]', 'only this Kustomization'),
  ).action(async (name: string | undefined, options: GetOptions) => setExit(await getKustomizations(name, options, io)));
  const sources = get.command('sources').aliases(['source']).description('status of sources');
  withGetOptions(sources.command('all', { isDefault: true }).description('status of sources of every kind').argument('[name]', 'only this source')).action(
    async (name: string | undefined, options: GetOptions) => setExit(await getSources(name, undefined, options, io)),
  );
  withGetOptions(sources.command('git').description('status of GitRepository sources').argument('[name]', 'only this GitRepository')).action(
    async (name: string | undefined, options: GetOptions) => setExit(await getSources(name, 'GitRepository', options, io)),
  );
}
