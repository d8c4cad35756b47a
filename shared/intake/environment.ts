/**
 * Configuration of the webhook-intake function, read once from its environment.
 *
 * Receivers are Flux `Receiver` objects, given either inline (`TIDELINE_RECEIVERS`, YAML or JSON)
 * or as a YAML file shipped with the function (`TIDELINE_RECEIVERS_FILE`); the deployment puts
 * there the Receivers of the fleet repo. Every missing or malformed variable fails the cold start
 * with a message naming it, rather than the first webhook.
 */
import { readFileSync } from 'node:fs';
import { InvalidInputError, errorMessage } from '#shared/errors/index.ts';
import type { FluxReceiver } from '#shared/config/receiver.ts';
import { parseReceiversFromYaml } from '#shared/config/receiver.ts';
import { DEFAULT_BUS_NAME } from '#shared/events/catalog.ts';
import { DELIVERY_IN_PROGRESS_TTL_MS } from './publish-once.ts';

/** The intake function's settings. */
export interface IntakeEnvironment {
  /** EventBridge bus to publish to (`TIDELINE_BUS_NAME`, default `tideline`). */
  busName: string;
  /** DynamoDB table of delivery ids, TTL attribute `expiresAt` (`TIDELINE_DELIVERIES_TABLE`, required). */
  deliveriesTable: string;
  /** Prefix of the webhook-token secrets in Secrets Manager (`TIDELINE_SECRETS_PREFIX`, default `tideline/`). */
  secretsPrefix: string;
  /** How long a secret is cached, in ms (`TIDELINE_SECRETS_TTL_SECONDS`, default 300). */
  secretsTtlMs: number;
  /**
   * How long a delivery being published holds its id, in ms (`TIDELINE_DELIVERY_IN_PROGRESS_SECONDS`,
   * default 120); must exceed the function's timeout.
   */
  inProgressTtlMs: number;
  /** The bootstrap Receivers; those of the fleet snapshot join them when `artifactBucket` is set. */
  receivers: FluxReceiver[];
  /** S3 bucket holding the fleet snapshot (`TIDELINE_ARTIFACT_BUCKET`, optional): Receivers added in Git answer with no redeploy. */
  artifactBucket?: string;
}

function required(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new InvalidInputError(`environment variable ${name} is required`);
  return value;
}

/** Reads and validates the intake's environment; throws InvalidInputError naming the variable. */
export function readIntakeEnvironment(env: Readonly<Record<string, string | undefined>>): IntakeEnvironment {
  const ttlText = env['TIDELINE_SECRETS_TTL_SECONDS']?.trim() || '300';
  if (!/^[0-9]+$/.test(ttlText)) throw new InvalidInputError(`environment variable TIDELINE_SECRETS_TTL_SECONDS must be a whole number of seconds`);
  const inProgressText = env['TIDELINE_DELIVERY_IN_PROGRESS_SECONDS']?.trim() || String(DELIVERY_IN_PROGRESS_TTL_MS / 1000);
  if (!/^[0-9]+$/.test(inProgressText) || Number(inProgressText) === 0) {
    throw new InvalidInputError('environment variable TIDELINE_DELIVERY_IN_PROGRESS_SECONDS must be a whole number of seconds above 0');
  }
  const inline = env['TIDELINE_RECEIVERS']?.trim();
  const file = env['TIDELINE_RECEIVERS_FILE']?.trim();
  if (!inline === !file) throw new InvalidInputError('set exactly one of the environment variables TIDELINE_RECEIVERS and TIDELINE_RECEIVERS_FILE');
  let receivers: FluxReceiver[];
  try {
    if (inline) {
      receivers = parseReceiversFromYaml(inline, 'TIDELINE_RECEIVERS');
    } else {
      receivers = parseReceiversFromYaml(readFileSync(file as string, 'utf8'), file as string);
    }
  } catch (error) {
    throw new InvalidInputError(`environment variable ${inline ? 'TIDELINE_RECEIVERS' : 'TIDELINE_RECEIVERS_FILE'}: ${errorMessage(error)}`, { cause: error });
  }
  if (receivers.length === 0) throw new InvalidInputError(`environment variable ${inline ? 'TIDELINE_RECEIVERS' : 'TIDELINE_RECEIVERS_FILE'}: no Flux Receiver found`);
  return {
    busName: env['TIDELINE_BUS_NAME']?.trim() || DEFAULT_BUS_NAME,
    deliveriesTable: required(env, 'TIDELINE_DELIVERIES_TABLE'),
    secretsPrefix: env['TIDELINE_SECRETS_PREFIX'] ?? 'tideline/',
    secretsTtlMs: Number(ttlText) * 1000,
    inProgressTtlMs: Number(inProgressText) * 1000,
    receivers,
    ...(env['TIDELINE_ARTIFACT_BUCKET']?.trim() ? { artifactBucket: env['TIDELINE_ARTIFACT_BUCKET'].trim() } : {}),
  };
}
