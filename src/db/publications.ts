import { Prisma } from "../generated/prisma/client.ts";
import type { Tx } from "./database.ts";
import type { ShownPost } from "./request-views.ts";

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
export async function takePublication(db: Tx, requestId: string, holder: string, now: Date, until: Date, onlyIfDue: boolean): Promise<{ recover: boolean } | null> {
  const rows = await db.$queryRaw<{ recover: boolean }[]>`
    INSERT INTO "Publication" AS p ("requestId", "holder", "leaseUntil", "dirty", "recover") VALUES (${requestId}::uuid, ${holder}, ${until}, false, false)
    ON CONFLICT ("requestId") DO UPDATE SET "holder" = ${holder}, "leaseUntil" = ${until}, "dirty" = false,
      "recover" = CASE WHEN p."holder" = ${holder} THEN false ELSE p."recover" OR p."holder" IS NOT NULL END
    WHERE (p."holder" IS NULL OR p."holder" = ${holder} OR p."leaseUntil" < ${now}) AND (${!onlyIfDue} OR p."leaseUntil" < ${now})
    RETURNING "recover"`;
  return rows[0] ?? null;
}

/** Another process holds it: it must go again before letting go (and if it dies, the sweep will). */
export async function notePublicationWanted(db: Tx, requestId: string, now: Date): Promise<void> {
  await db.$executeRaw`UPDATE "Publication" SET "dirty" = true, "leaseUntil" = COALESCE("leaseUntil", ${now}) WHERE "requestId" = ${requestId}::uuid`;
}

/** What a publication changed about a post Slack shows: what it shows now, the last event in its thread. */
export interface PostProgress {
  id: string;
  shownHash?: string;
  threadSeq?: bigint;
}

/** A card or approval card Slack now shows, saved as soon as it is posted (replies go in its thread). */
export function savePost(db: Tx, post: { requestId: string; purpose: string; channel: string; ts: string; shownHash: string | null }): Promise<ShownPost> {
  return db.slackPost.create({ data: post, select: { id: true, channel: true, ts: true, shownHash: true, threadSeq: true } });
}

/** The request's audit events past a thread's position, in order: the replies still to post. */
export function eventsAfter(db: Tx, requestId: string, seq: bigint) {
  return db.auditEvent.findMany({ where: { requestId, seq: { gt: seq } }, orderBy: { seq: "asc" } });
}

/**
 * Shown: saves what the posts now show and lets go, in one statement, unless
 * a change arrived meanwhile (then the holder goes again, its progress saved).
 */
export async function releasePublication(db: Tx, requestId: string, holder: string, progress: PostProgress[] = []): Promise<boolean> {
  const rows = await db.$queryRaw<{ released: boolean }[]>`
    WITH saved AS (${savedProgress(progress)})
    UPDATE "Publication" SET
      "holder" = CASE WHEN "dirty" THEN "holder" ELSE NULL END,
      "leaseUntil" = CASE WHEN "dirty" THEN "leaseUntil" ELSE NULL END,
      "recover" = CASE WHEN "dirty" THEN "recover" ELSE false END
    WHERE "requestId" = ${requestId}::uuid AND "holder" = ${holder}
    RETURNING NOT "dirty" AS "released"`;
  return rows[0]?.released === true;
}

/** Slack (or the database) failed half-way: progress saved, pending again from `retryAt`, and the next attempt looks before posting. */
export async function failPublication(db: Tx, requestId: string, holder: string, retryAt: Date, progress: PostProgress[] = []): Promise<void> {
  await db.$executeRaw`
    WITH saved AS (${savedProgress(progress)})
    UPDATE "Publication" SET "holder" = NULL, "leaseUntil" = ${retryAt}, "dirty" = true, "recover" = true
    WHERE "requestId" = ${requestId}::uuid AND "holder" = ${holder}`;
}

/** The posts' progress as one UPDATE (a no-op when there is none), to run beside the lease's change. */
function savedProgress(progress: PostProgress[]) {
  const rows = JSON.stringify(progress.map((p) => ({ id: p.id, shownHash: p.shownHash ?? null, threadSeq: p.threadSeq?.toString() ?? null })));
  return Prisma.sql`
    UPDATE "SlackPost" AS s SET
      "shownHash" = COALESCE(x->>'shownHash', s."shownHash"),
      "threadSeq" = COALESCE((x->>'threadSeq')::bigint, s."threadSeq"),
      "updatedAt" = now()
    FROM jsonb_array_elements(${rows}::jsonb) AS x
    WHERE s."id" = (x->>'id')::uuid`;
}

/**
 * Requests waiting past their time with no retry job on them (a crash after a
 * commit, a holder that died): an index range on leaseUntil, empty when all is shown.
 */
export async function duePublications(db: Tx, now: Date, retryJobKind: string, limit: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ requestId: string }[]>`
    SELECT p."requestId" FROM "Publication" p
    WHERE p."leaseUntil" < ${now}
      AND NOT EXISTS (SELECT 1 FROM "Job" j WHERE j."requestId" = p."requestId" AND j."kind" = ${retryJobKind} AND j."status" IN ('pending'::"JobStatus", 'running'::"JobStatus"))
    ORDER BY p."leaseUntil"
    LIMIT ${limit}`;
  return rows.map((r) => r.requestId);
}

/** The card's post in Slack (its thread holds the request's replies), or null before it is posted. */
export function cardOf(db: Tx, requestId: string): Promise<ShownPost | null> {
  return db.slackPost.findUnique({ where: { requestId_purpose: { requestId, purpose: "card" } }, select: { id: true, channel: true, ts: true, shownHash: true, threadSeq: true } });
}

/** The posts Slack shows for requests and the outbox that keeps them in step (publications), on the database or inside a transaction. */
export function publicationRepository(db: Tx) {
  return {
    markForPublication: (requestIds: Iterable<string>, graceUntil: Date) => markForPublication(db, requestIds, graceUntil),
    take: (requestId: string, holder: string, now: Date, until: Date, onlyIfDue: boolean) => takePublication(db, requestId, holder, now, until, onlyIfDue),
    noteWanted: (requestId: string, now: Date) => notePublicationWanted(db, requestId, now),
    release: (requestId: string, holder: string, progress?: PostProgress[]) => releasePublication(db, requestId, holder, progress),
    fail: (requestId: string, holder: string, retryAt: Date, progress?: PostProgress[]) => failPublication(db, requestId, holder, retryAt, progress),
    due: (now: Date, retryJobKind: string, limit: number) => duePublications(db, now, retryJobKind, limit),
    savePost: (post: { requestId: string; purpose: string; channel: string; ts: string; shownHash: string | null }) => savePost(db, post),
    cardOf: (requestId: string) => cardOf(db, requestId),
    eventsAfter: (requestId: string, seq: bigint) => eventsAfter(db, requestId, seq),
  };
}

export type PublicationRepository = ReturnType<typeof publicationRepository>;
