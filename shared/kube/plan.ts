/**
 * Plan: what applying each prepared object will do, decided as cheaply as the facts allow — from
 * the live object alone when it provably matches on the fields Tideline manages (or a Flux
 * annotation leaves it alone), else by a server-side dry-run, which also validates it.
 */
import { ConflictError, NotFoundError, TransientError, UnauthorizedError, describeObject, errorMessage } from '#shared/errors/index.ts';
import type { ObjectError } from './changeset.ts';
import { apiFailureOf } from './transport.ts';
import { sameObject, unchangedOnManagedFields } from './compare.ts';
import type { ApplyContext } from './context.ts';
import { applyIgnoreRules } from './ignore.ts';
import { scrubSecretValues, scrubTransient } from './mask.ts';
import { FORCE_ANNOTATION, handsOffMarker } from './objects.ts';
import { IF_NOT_PRESENT_EXISTS, isImmutableFieldError, recreateAllowed, ssaPolicy } from './policy.ts';
import type { PreparedObject } from './prepare.ts';
import { objectError } from './prepare.ts';
import { recreateRefusal } from './apply.ts';
import { takeoverPatch } from './takeover.ts';

/**
 * What applying one object will do. `takeover` is the JSON patch that hands fields written with
 * kubectl to Tideline before the apply (see takeover.ts).
 */
export type Plan =
  /** Matches the live object (managed fields, or the dry-run result): nothing is sent. */
  | { action: 'Unchanged' }
  /** A Flux annotation leaves it alone; `reason` says which. */
  | { action: 'Skipped'; reason: string }
  /** Validated by a dry-run: applied with server-side apply. */
  | { action: 'Created' | 'Configured'; takeover?: unknown[] }
  /** An immutable field changes and recreation is allowed: deleted, then applied again. */
  | { action: 'Recreate' }
  /** Validation is off: applied directly, and the answer tells what happened. */
  | { action: 'ApplyUnvalidated'; takeover?: unknown[] }
  /** Waits for a Namespace or CRD of this bundle: planned again after the first stage. */
  | { action: 'Deferred' }
  /** Its error is in the collected errors; nothing of the run is applied. */
  | { action: 'Refused' };

/** A prepared object with its plan. */
export interface Planned extends PreparedObject {
  plan: Plan;
}

/** What {@link classifyCheaply} could not settle: a dry-run is needed, after this takeover. */
export interface NeedsDryRun {
  action: 'NeedsDryRun';
  takeover?: unknown[];
}

/** The plan of an object that matches its live copy. */
export const UNCHANGED: Plan = { action: 'Unchanged' };
/** The plan of an object that waits for the first stage (see Plan). */
export const DEFERRED: Plan = { action: 'Deferred' };
const REFUSED: Plan = { action: 'Refused' };

/**
 * Settles what an object's live copy alone can settle, without a request: hands-off markers on the
 * manifest or in the cluster, `IfNotPresent` objects that exist, and objects unchanged on every
 * field Tideline manages. Applies the `spec.ignore` rules to `p.object` first (fields left to other
 * managers take their live values) and computes the kubectl takeover: an object with fields to
 * take over is never Unchanged, since the apply removes what kubectl added and Git lacks.
 */
export function classifyCheaply(ctx: ApplyContext, p: PreparedObject): Extract<Plan, { action: 'Unchanged' | 'Skipped' }> | NeedsDryRun {
  // As Flux: the marker counts on the manifest and on the object in the cluster (someone may have
  // annotated it there to stop reconciliation for a while).
  const marker = handsOffMarker(p.object) ?? handsOffMarker(p.live);
  if (marker) return { action: 'Skipped', reason: `${handsOffMarker(p.object) ? 'annotated' : 'annotated in the cluster'} ${marker}` };
  if (!p.live) return { action: 'NeedsDryRun' };
  if (ssaPolicy(p.object) === 'IfNotPresent') return { action: 'Skipped', reason: IF_NOT_PRESENT_EXISTS };
  if (ctx.ignore) applyIgnoreRules(p.object, p.live, ctx.ignore, ctx.client.fieldManager);
  const takeover = takeoverPatch(p.object, p.live, ctx.client.fieldManager);
  if (takeover) return { action: 'NeedsDryRun', takeover };
  return unchangedOnManagedFields(p.object, p.live, ctx.client.fieldManager) ? { action: 'Unchanged' } : { action: 'NeedsDryRun' };
}

/**
 * Plans one object: {@link classifyCheaply}, then — with validation on — a dry-run (a dry-run
 * create for an object the LIST did not find, see {@link validateAsNew}). An object in a
 * Namespace of this bundle that does not exist yet is Deferred; other errors are collected, each
 * naming the object, and the plan is Refused. Transient failures are thrown.
 */
export async function planObject(ctx: ApplyContext, p: PreparedObject, errors: ObjectError[], bundleNamespaces: ReadonlySet<string>): Promise<Plan> {
  const cheap = classifyCheaply(ctx, p);
  if (cheap.action !== 'NeedsDryRun') return cheap;
  let takeover = cheap.takeover;
  const policy = ssaPolicy(p.object);
  if (!ctx.validate) {
    if (policy === 'IfNotPresent' && !p.live && (await ctx.client.get(p.ref))) return { action: 'Skipped', reason: IF_NOT_PRESENT_EXISTS };
    return { action: 'ApplyUnvalidated', ...(takeover ? { takeover } : {}) };
  }
  try {
    if (!p.live && ctx.checker) {
      const asNew = await validateAsNew(ctx, p, errors);
      if (asNew.action !== 'NeedsDryRun') return asNew;
      takeover = asNew.takeover;
    }
    const dryRun = await ctx.writer.applyWithStatus(p.object, { dryRun: true, force: ctx.forceConflicts, discardResult: !p.live });
    if (policy === 'IfNotPresent' && !dryRun.created) return { action: 'Skipped', reason: IF_NOT_PRESENT_EXISTS };
    if (p.live && !takeover && sameObject(dryRun.object, p.live)) return UNCHANGED;
    return { action: dryRun.created ? 'Created' : 'Configured', ...(takeover ? { takeover } : {}) };
  } catch (error) {
    if (error instanceof TransientError) throw scrubTransient(error, p.object);
    const failure = apiFailureOf(error);
    const ns = p.object.metadata.namespace;
    // The Namespace is part of this bundle and applied in the first stage; validate after it.
    if (error instanceof NotFoundError && ns && bundleNamespaces.has(ns) && failure?.message.includes('namespace')) return DEFERRED;
    if (failure && isImmutableFieldError(error)) {
      // Recreating would not help an object that is invalid as a new one: say what is wrong with it.
      const refusal = await recreateRefusal(ctx.writer, p.object);
      if (refusal) {
        errors.push(objectError(p, refusal));
        return REFUSED;
      }
      if (recreateAllowed(ctx.recreate, p.object, p.live)) return { action: 'Recreate' };
      errors.push({
        object: p.ref,
        message: scrubSecretValues(
          `${describeObject(p.ref)}: ${failure.message} (set force: true on the Kustomization, or annotate the object ${FORCE_ANNOTATION}: enabled, to recreate it)`,
          p.object,
        ),
      });
      return REFUSED;
    }
    if (error instanceof ConflictError && !ctx.forceConflicts) {
      errors.push({
        object: p.ref,
        message: scrubSecretValues(`${describeObject(p.ref)}: conflicts with another field manager: ${failure?.message ?? errorMessage(error)}`, p.object),
      });
      return REFUSED;
    }
    errors.push(objectError(p, error));
    return REFUSED;
  }
}

/**
 * Validates an object the ownership LIST did not find with a dry-run create, which costs the API
 * server less than a dry-run apply, plus the list-key check only an apply would make (see
 * `schema.ts`). Settles the object (Created, Skipped, or Refused with the error collected), or
 * says it needs the dry-run apply after all: it exists without our labels (another manager's or
 * an adopted object), its kind has no published schema yet, or the identity may not `create` it.
 */
async function validateAsNew(ctx: ApplyContext, p: PreparedObject, errors: ObjectError[]): Promise<Plan | NeedsDryRun> {
  const problems = await ctx.checker?.problems(p.object);
  if (problems === undefined) return { action: 'NeedsDryRun' };
  if (problems.length > 0) {
    errors.push({ object: p.ref, message: scrubSecretValues(`${describeObject(p.ref)}: ${problems.join('; ')}`, p.object) });
    return REFUSED;
  }
  try {
    await ctx.writer.dryRunCreate(p.object);
  } catch (error) {
    if (error instanceof ConflictError && apiFailureOf(error)?.reason === 'AlreadyExists') {
      if (ssaPolicy(p.object) === 'IfNotPresent') return { action: 'Skipped', reason: IF_NOT_PRESENT_EXISTS };
      // An object being adopted (applied before by hand or another tool): read it once, so that
      // fields kubectl wrote are taken over like those of objects Tideline applied before.
      const live = await ctx.client.get(p.ref);
      if (!live) return { action: 'NeedsDryRun' };
      p.live = live;
      const marker = handsOffMarker(live);
      if (marker) return { action: 'Skipped', reason: `annotated in the cluster ${marker}` };
      if (ctx.ignore) applyIgnoreRules(p.object, live, ctx.ignore, ctx.client.fieldManager);
      const takeover = takeoverPatch(p.object, live, ctx.client.fieldManager);
      return { action: 'NeedsDryRun', ...(takeover ? { takeover } : {}) };
    }
    // An identity allowed to patch but not to create (server-side apply creates with `patch`
    // alone) validates the way it will write.
    if (error instanceof UnauthorizedError) return { action: 'NeedsDryRun' };
    throw error;
  }
  return { action: 'Created' };
}
