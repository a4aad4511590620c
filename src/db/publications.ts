import type { Db, Tx } from "./database.ts";

// The `Publication` row of a request is its outbox for Slack. `dirty`: a
// change not yet taken by a publisher. `leaseUntil`: set while anything is
// pending or in flight (NULL once Slack shows the request), the moment after
// which nobody is presumed to be on it. `recover`: an attempt ended half-way.

/** How long the process that made a change has to show it itself before the sweep does. */
export const PUBLICATION_GRACE_MS = 10_000;

/**
 * In the transaction of a change: the request must be shown. The process that
 * made the change has until `graceUntil` to show it itself; a lease already
 * running is kept (its holder goes again before letting go).
 */
export async function markForPublication(tx: Tx, requestIds: Iterable<string>, graceUntil: Date): Promise<void> {
  for (const requestId of new Set(requestIds)) {
    await tx.$executeRaw`
      INSERT INTO "Publication" AS p ("requestId", "dirty", "leaseUntil") VALUES (${requestId}::uuid, true, ${graceUntil})
      ON CONFLICT ("requestId") DO UPDATE SET "dirty" = true, "leaseUntil" = COALESCE(p."leaseUntil", EXCLUDED."leaseUntil")`;
  }
}

/**
 * Takes the request for one publisher until `until`: when nobody holds it,
 * this holder does, or the holder's lease has passed (it died). `onlyIfDue`
 * (the sweep) takes it only while it is still waiting past its time. Returns
 * null when not taken, else whether the previous attempt ended half-way.
 */
export async function takePublication(db: Db, requestId: string, holder: string, now: Date, until: Date, onlyIfDue: boolean): Promise<{ recover: boolean } | null> {
  const rows = await db.$queryRaw<{ recover: boolean }[]>`
    INSERT INTO "Publication" AS p ("requestId", "holder", "leaseUntil", "dirty", "recover") VALUES (${requestId}::uuid, ${holder}, ${until}, false, false)
    ON CONFLICT ("requestId") DO UPDATE SET "holder" = ${holder}, "leaseUntil" = ${until}, "dirty" = false,
      "recover" = CASE WHEN p."holder" = ${holder} THEN false ELSE p."recover" OR p."holder" IS NOT NULL END
    WHERE (p."holder" IS NULL OR p."holder" = ${holder} OR p."leaseUntil" < ${now}) AND (${!onlyIfDue} OR p."leaseUntil" < ${now})
    RETURNING "recover"`;
  return rows[0] ?? null;
}

/** Another process holds it: it must go again before letting go (and if it dies, the sweep will). */
export async function notePublicationWanted(db: Db, requestId: string, now: Date): Promise<void> {
  await db.$executeRaw`UPDATE "Publication" SET "dirty" = true, "leaseUntil" = COALESCE("leaseUntil", ${now}) WHERE "requestId" = ${requestId}::uuid`;
}

/** Shown: let go, unless a change arrived meanwhile (then the holder goes again). */
export async function releasePublication(db: Db, requestId: string, holder: string): Promise<boolean> {
  const released = await db.$executeRaw`
    UPDATE "Publication" SET "holder" = NULL, "leaseUntil" = NULL, "recover" = false
    WHERE "requestId" = ${requestId}::uuid AND "holder" = ${holder} AND NOT "dirty"`;
  return released === 1;
}

/** Slack (or the database) failed half-way: pending again, from `retryAt`, and the next attempt looks before posting. */
export async function failPublication(db: Db, requestId: string, holder: string, retryAt: Date): Promise<void> {
  await db.$executeRaw`
    UPDATE "Publication" SET "holder" = NULL, "leaseUntil" = ${retryAt}, "dirty" = true, "recover" = true
    WHERE "requestId" = ${requestId}::uuid AND "holder" = ${holder}`;
}

/**
 * Requests waiting past their time with no retry job on them (a crash after a
 * commit, a holder that died): an index range on leaseUntil, empty when all is shown.
 */
export async function duePublications(db: Db, now: Date, retryJobKind: string, limit: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ requestId: string }[]>`
    SELECT p."requestId" FROM "Publication" p
    WHERE p."leaseUntil" < ${now}
      AND NOT EXISTS (SELECT 1 FROM "Job" j WHERE j."requestId" = p."requestId" AND j."kind" = ${retryJobKind} AND j."status" IN ('pending'::"JobStatus", 'running'::"JobStatus"))
    ORDER BY p."leaseUntil"
    LIMIT ${limit}`;
  return rows.map((r) => r.requestId);
}
