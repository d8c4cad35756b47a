/**
 * Apply: the planned objects written with server-side apply — after the takeover of fields
 * kubectl wrote, and by deleting and creating again an object whose immutable fields change —
 * each answer recorded in the change set.
 */
import type { ObjectRef } from '#shared/errors/index.ts';
import { ConflictError, InvalidInputError, TransientError, UnauthorizedError, describeObject, errorMessage } from '#shared/errors/index.ts';
import type { ChangeSet, ChangeSetEntry } from './changeset.ts';
import type { KubeApi } from './api.ts';
import { apiFailureOf } from './transport.ts';
import { sameObject } from './compare.ts';
import type { ApplyContext } from './context.ts';
import { scrubTransient } from './mask.ts';
import type { KubeObject } from './objects.ts';
import type { Planned } from './plan.ts';
import { isImmutableFieldError, recreateAllowed } from './policy.ts';
import { objectError } from './prepare.ts';

/**
 * Applies `stage` concurrently (the client bounds requests in flight) and records each object's
 * outcome in `changeSet`: writes go through `ctx.writer`, reads through `ctx.client`. An object's
 * failure is collected and the others go on; a transient failure is thrown.
 */
export async function applyPlanned(ctx: ApplyContext, stage: readonly Planned[], changeSet: ChangeSet): Promise<void> {
  const entries = await Promise.all(
    stage.map(async (p): Promise<ChangeSetEntry | undefined> => {
      try {
        return await applyOne(ctx, p);
      } catch (error) {
        if (error instanceof TransientError) throw scrubTransient(error, p.object);
        changeSet.errors.push(objectError(p, error));
        return undefined;
      }
    }),
  );
  for (const entry of entries) if (entry) changeSet.entries.push(entry);
}

async function applyOne(ctx: ApplyContext, p: Planned): Promise<ChangeSetEntry> {
  const { writer, forceConflicts: force } = ctx;
  const plan = p.plan;
  switch (plan.action) {
    case 'Unchanged':
      return { object: p.ref, action: 'Unchanged' };
    case 'Skipped':
      return { object: p.ref, action: 'Skipped', ...(plan.reason ? { message: plan.reason } : {}) };
    case 'Recreate':
      return await recreate(ctx, p);
    case 'Created':
    case 'Configured': {
      if (plan.takeover) await writer.jsonPatch(p.ref, plan.takeover);
      const applied = await writer.applyWithStatus(p.object, { force, discardResult: true });
      return { object: p.ref, action: applied.created ? 'Created' : 'Configured' };
    }
    case 'ApplyUnvalidated': {
      if (plan.takeover) await writer.jsonPatch(p.ref, plan.takeover);
      // Not dry-run before: apply and judge from the result.
      try {
        const applied = await writer.applyWithStatus(p.object, { force, discardResult: !p.live });
        if (applied.created) return { object: p.ref, action: 'Created' };
        return { object: p.ref, action: p.live && sameObject(applied.object, p.live) ? 'Unchanged' : 'Configured' };
      } catch (error) {
        if (!(recreateAllowed(ctx.recreate, p.object, p.live) && isImmutableFieldError(error))) throw error;
        // Never delete what cannot be created again.
        const refusal = await recreateRefusal(writer, p.object);
        if (refusal) throw refusal;
      }
      return await recreate(ctx, p);
    }
    case 'Deferred':
    case 'Refused':
      // The reconcile stops before a stage holding such an object; reaching here is a bug.
      throw new Error(`${describeObject(p.ref)}: not planned (${plan.action}) and cannot be applied`);
  }
}

/** Deletes the object, waits until it is gone, and applies it again. */
async function recreate(ctx: ApplyContext, p: Planned): Promise<ChangeSetEntry> {
  await ctx.writer.delete(p.ref);
  await waitUntilGone(ctx, p.ref);
  await ctx.writer.apply(p.object, { force: ctx.forceConflicts });
  return { object: p.ref, action: 'Configured', message: 'recreated: an immutable field changed' };
}

/**
 * Why recreating `object` from the manifest would fail, or undefined when it would not: a dry-run
 * create of it. The API server validates (and runs validating admission) before it looks for an
 * existing object, so `AlreadyExists` means the new object passed every check. A recreate deletes
 * first; this keeps an object whose replacement is invalid from being deleted and never recreated.
 */
export async function recreateRefusal(writer: KubeApi, object: KubeObject): Promise<Error | undefined> {
  try {
    await writer.dryRunCreate(object);
    return undefined;
  } catch (error) {
    if (error instanceof ConflictError && apiFailureOf(error)?.reason === 'AlreadyExists') return undefined;
    // An identity that may patch but not create (an apply creates with patch alone) cannot be
    // checked this way; it recreates as it did before this check.
    if (error instanceof UnauthorizedError) return undefined;
    if (error instanceof TransientError) throw error;
    return error instanceof Error ? error : new InvalidInputError(errorMessage(error));
  }
}

/** Polls until a deleted object is gone (finalizers may hold it for a while). */
async function waitUntilGone(ctx: ApplyContext, ref: ObjectRef & { apiVersion: string }): Promise<void> {
  const deadline = ctx.clock.now() + 60_000;
  while (await ctx.client.get(ref)) {
    if (ctx.clock.now() > deadline) throw new ConflictError('still terminating 60 s after deletion; cannot recreate it', { object: ref });
    await ctx.clock.sleep(200);
  }
}
