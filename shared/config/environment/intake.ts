/**
 * Settings of the webhook-intake function, read once at cold start from its environment.
 *
 * Receivers are Flux `Receiver` objects, given either inline (`TIDELINE_RECEIVERS`, YAML or JSON)
 * or as a YAML file shipped with the function (`TIDELINE_RECEIVERS_FILE`); the deployment puts
 * there the Receivers of the fleet repo.
 */
import { readFileSync } from 'node:fs';
import { InvalidInputError, errorMessage } from '#shared/errors/index.ts';
import type { FluxReceiver } from '#shared/config/receiver.ts';
import { parseReceiversFromYaml } from '#shared/config/receiver.ts';
import { DEFAULT_BUS_NAME } from '#shared/events/catalog.ts';
import { DELIVERY_IN_PROGRESS_TTL_MS } from '#shared/intake/publish-once.ts';
import { optionalVariable, requiredVariable, wholeNumberVariable, type EnvironmentVariables } from './variables.ts';

/** The intake function's settings. */
export interface IntakeEnvironment {
  /** EventBridge bus to publish to (`TIDELINE_BUS_NAME`, default `tideline`). */
  busName: string;
  /** DynamoDB table of delivery ids, TTL attribute `expiresAt` (`TIDELINE_DELIVERIES_TABLE`, required). */
  deliveriesTable: string;
  /** Prefix of the webhook-token secrets in Secrets Manager (`TIDELINE_SECRETS_PREFIX`, default `tideline/`; set empty for none). */
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

/** The bootstrap Receivers from exactly one of `TIDELINE_RECEIVERS` and `TIDELINE_RECEIVERS_FILE`. */
function readReceivers(env: EnvironmentVariables): FluxReceiver[] {
  const inline = optionalVariable(env, 'TIDELINE_RECEIVERS');
  const file = optionalVariable(env, 'TIDELINE_RECEIVERS_FILE');
  if (!inline === !file) throw new InvalidInputError('set exactly one of the environment variables TIDELINE_RECEIVERS and TIDELINE_RECEIVERS_FILE');
  const variable = inline ? 'TIDELINE_RECEIVERS' : 'TIDELINE_RECEIVERS_FILE';
  let receivers: FluxReceiver[];
  try {
    receivers = inline ? parseReceiversFromYaml(inline, variable) : parseReceiversFromYaml(readFileSync(file as string, 'utf8'), file as string);
  } catch (error) {
    throw new InvalidInputError(`environment variable ${variable}: ${errorMessage(error)}`, { cause: error });
  }
  if (receivers.length === 0) throw new InvalidInputError(`environment variable ${variable}: no Flux Receiver found`);
  return receivers;
}

/** Reads and validates the intake's environment; throws InvalidInputError naming the variable. */
export function readIntakeEnvironment(env: EnvironmentVariables): IntakeEnvironment {
  const secretsTtlSeconds = wholeNumberVariable(env, 'TIDELINE_SECRETS_TTL_SECONDS', { fallback: 300, unit: 'seconds' });
  const inProgressSeconds = wholeNumberVariable(env, 'TIDELINE_DELIVERY_IN_PROGRESS_SECONDS', {
    fallback: DELIVERY_IN_PROGRESS_TTL_MS / 1000,
    min: 1,
    unit: 'seconds',
  });
  const receivers = readReceivers(env);
  const artifactBucket = optionalVariable(env, 'TIDELINE_ARTIFACT_BUCKET');
  return {
    busName: optionalVariable(env, 'TIDELINE_BUS_NAME') ?? DEFAULT_BUS_NAME,
    deliveriesTable: requiredVariable(env, 'TIDELINE_DELIVERIES_TABLE'),
    // Not trimmed to a default: an empty prefix is a deliberate choice (secrets named without one).
    secretsPrefix: env['TIDELINE_SECRETS_PREFIX'] ?? 'tideline/',
    secretsTtlMs: secretsTtlSeconds * 1000,
    inProgressTtlMs: inProgressSeconds * 1000,
    receivers,
    ...(artifactBucket ? { artifactBucket } : {}),
  };
}
