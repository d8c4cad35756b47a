/**
 * `tideline receivers <dir> [--secrets <file>]`: the Flux Receivers of a fleet directory, each
 * with its type, accepted events and webhook path `/hook/<digest>` — the path to configure on the
 * Git host. The path depends on the token, so it is shown when `--secrets` (a local secrets file,
 * see the local secret store) or a `TIDELINE_SECRET_*` variable holds it; tokens are never printed.
 */
import type { Command } from 'commander';
import { LocalSecretStore } from '#shared/adapters/local/local-secret-store.ts';
import { findReceivers, receiverSecretName, receiverWebhookPath, tokenFromSecretValue } from '#shared/config/receiver.ts';
import { NotFoundError } from '#shared/errors/index.ts';

/** One line of the listing. */
export interface ReceiverListing {
  name: string;
  namespace: string;
  type: string;
  events: string[];
  file: string;
  secret: string;
  /** `/hook/<digest>`, or undefined when the token is not available. */
  path?: string;
}

/** Lists the Receivers under `dir`, computing paths with tokens from `secretsFile` and the environment. */
export async function listReceivers(
  dir: string,
  secretsFile: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ReceiverListing[]> {
  const store = new LocalSecretStore({ ...(secretsFile ? { file: secretsFile } : {}), env });
  const listings: ReceiverListing[] = [];
  for (const { receiver, file } of await findReceivers(dir)) {
    const { name, namespace } = receiver.metadata;
    const secret = receiverSecretName(receiver);
    let path: string | undefined;
    try {
      path = receiverWebhookPath(tokenFromSecretValue(await store.getSecret(secret), secret), name, namespace);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    listings.push({ name, namespace, type: receiver.spec.type, events: receiver.spec.events ?? [], file, secret, ...(path ? { path } : {}) });
  }
  return listings;
}

/** Registers the `receivers` verb. */
export function registerReceivers(program: Command): void {
  program
    .command('receivers')
    .description('list the Flux Receivers of a fleet directory with their type and webhook path /hook/<digest>')
    .argument('<dir>', 'fleet repository directory')
    .option('--secrets <file>', 'local secrets file (YAML/JSON: "<namespace>/<secretRef.name>": <token>) to compute webhook paths')
    .option('--json', 'print JSON instead of a table')
    .action(async (dir: string, options: { secrets?: string; json?: boolean }) => {
      const listings = await listReceivers(dir, options.secrets, process.env);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(listings, null, 2)}\n`);
        return;
      }
      if (listings.length === 0) {
        process.stdout.write(`no Flux Receivers found under ${dir}\n`);
        return;
      }
      for (const listing of listings) {
        const events = listing.events.length > 0 ? listing.events.join(',') : '(all)';
        const path = listing.path ?? `(token unknown: add secret ${listing.secret} with --secrets)`;
        process.stdout.write(`${listing.namespace}/${listing.name}\t${listing.type}\tevents=${events}\t${path}\t${listing.file}\n`);
      }
      if (listings.some((listing) => !listing.path)) process.exitCode = 1;
    });
}
