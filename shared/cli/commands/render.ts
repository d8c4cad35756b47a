/**
 * `tideline render <dir>`: builds a directory of a fleet repository the way `kustomize build` and
 * Flux would, and prints the bundle. Errors go to stderr with a non-zero exit (mapped in main.ts).
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { SopsDecryptor } from '#shared/render/index.ts';
import type { KmsDecrypter } from '#shared/ports/index.ts';
import { repositoryRoot } from '../repository-root.ts';

interface RenderCliOptions {
  output: string;
  substitute: string[];
  root?: string;
  strict?: boolean;
  targetNamespace?: string;
  ageKeyFile: string[];
  decrypt?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * A SOPS decryptor with the identities of the given age key files and AWS KMS through the
 * ambient credentials (the KMS client is only loaded when a document needs it).
 */
async function decryptorFor(ageKeyFiles: readonly string[]): Promise<SopsDecryptor> {
  const { readFile } = await import('node:fs/promises');
  const { createSopsDecryptor, parseAgeIdentities } = await import('#shared/render/index.ts');
  const { InvalidInputError } = await import('#shared/errors/index.ts');
  const ageIdentities: string[] = [];
  for (const file of ageKeyFiles) {
    const text = await readFile(file, 'utf8').catch((error: unknown) => {
      throw new InvalidInputError(`cannot read the age key file: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { source: { file }, cause: error });
    });
    ageIdentities.push(...parseAgeIdentities(text, file));
  }
  let kms: KmsDecrypter | undefined;
  return createSopsDecryptor({
    ageIdentities,
    kms: {
      decrypt: async (keyArn, ciphertext, context) => {
        kms ??= new (await import('#shared/adapters/aws/kms-decrypt.ts')).AwsKmsDecrypter();
        return kms.decrypt(keyArn, ciphertext, context);
      },
    },
  });
}

/** Registers the `render` verb. */
export function registerRender(program: Command): void {
  program
    .command('render')
    .description('render a directory (kustomization or plain YAML tree) exactly as `kustomize build` + Flux would')
    .argument('<dir>', 'directory to build')
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .option('--substitute <key=value>', 'postBuild substitution variable (repeatable)', collect, [])
    .option('--strict', 'fail on ${var} references without a value or default')
    .option('--target-namespace <ns>', 'Flux spec.targetNamespace')
    .option('--root <dir>', 'repository root; nothing outside it is read (default: the enclosing git repository)')
    .option('--age-key-file <file>', 'decrypt SOPS-encrypted objects with the age identities in this file (repeatable); implies --decrypt', collect, [])
    .option('--decrypt', 'decrypt SOPS-encrypted objects as Flux spec.decryption does (AWS KMS keys with the ambient AWS credentials)')
    .action(async (dir: string, options: RenderCliOptions) => {
      // Loaded on use so other verbs do not pay for the renderer at start-up.
      const { renderKustomization } = await import('#shared/render/index.ts');
      const { InvalidInputError } = await import('#shared/errors/index.ts');
      if (options.output !== 'yaml' && options.output !== 'json') throw new InvalidInputError(`--output must be yaml or json, not "${options.output}"`);
      const absolute = path.resolve(dir);
      const root = repositoryRoot(absolute, options.root);
      const vars: Record<string, string> = {};
      for (const pair of options.substitute) {
        const eq = pair.indexOf('=');
        // The argument is not echoed: its value is often a credential.
        if (eq <= 0) throw new InvalidInputError(`--substitute expects KEY=VALUE; an argument has ${eq < 0 ? 'no "="' : 'no key before "="'}`);
        vars[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      const useSubstitution = options.substitute.length > 0 || options.strict === true;
      const decryption = options.decrypt === true || options.ageKeyFile.length > 0 ? await decryptorFor(options.ageKeyFile) : undefined;
      const render = renderKustomization({
        root,
        path: path.relative(root, absolute) || '.',
        ...(useSubstitution || options.targetNamespace || decryption
          ? {
              flux: {
                ...(options.targetNamespace ? { targetNamespace: options.targetNamespace } : {}),
                ...(useSubstitution ? { postBuild: { substitute: vars, strict: options.strict === true } } : {}),
                ...(decryption ? { decryption } : {}),
              },
            }
          : {}),
      });
      const result = await render.catch((error: unknown) => {
        // Without --root the root is the enclosing git repository or the directory itself.
        if (options.root === undefined && error instanceof InvalidInputError && error.message.includes('outside the repository root')) {
          throw new InvalidInputError(`${error.message} (root is ${root}; pass --root to widen it)`, { cause: error });
        }
        throw error;
      });
      if (options.output === 'yaml') {
        process.stdout.write(result.yaml);
        return;
      }
      const { parseAllDocuments } = await import('yaml');
      const items = parseAllDocuments(result.yaml).map((doc) => doc.toJS() as unknown);
      process.stdout.write(`${JSON.stringify({ digest: result.digest, objects: result.objects, items }, null, 2)}\n`);
    });
}
