import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit } from "../../src/db/audit.ts";
import type { DatabaseHandle, Db } from "../../src/db/database.ts";
import { duePublications, failPublication, PUBLICATION_GRACE_MS, releasePublication, takePublication } from "../../src/db/publications.ts";
import { scheduleJobs } from "../../src/db/jobs.ts";
import { createTestDatabase, rawEvent } from "../support/db.ts";

let handle: DatabaseHandle;
let db: Db;
const T0 = new Date("2026-08-09T12:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

beforeAll(async () => {
  handle = await createTestDatabase();
  db = handle.prisma;
});
afterAll(async () => {
  await handle?.close();
});

const change = (requestId: string, when = T0) => db.$transaction((tx) => appendAudit(tx, [rawEvent({ at: when, actor: "U0TEST", action: "test.changed", requestId })]));
const row = (requestId: string) => db.publication.findUnique({ where: { requestId } });
const due = async (now: Date) => (await duePublications(db, now, "slack.publish", 100));

describe("the publication outbox", () => {
  it("is written by the change's own transaction: a rolled-back change leaves no mark", async () => {
    const kept = randomUUID();
    const rolledBack = randomUUID();
    await change(kept);
    await expect(
      db.$transaction(async (tx) => {
        await appendAudit(tx, [rawEvent({ at: T0, actor: "U0TEST", action: "test.changed", requestId: rolledBack })]);
        throw new Error("the change fails");
      }),
    ).rejects.toThrow("the change fails");
    expect(await row(kept)).toMatchObject({ dirty: true, holder: null, leaseUntil: at(PUBLICATION_GRACE_MS) });
    expect(await row(rolledBack)).toBeNull();
    // Events of no request (imports, forged ids) mark nothing.
    const rows = await db.publication.count();
    await db.$transaction((tx) => appendAudit(tx, [rawEvent({ at: T0, actor: "U0TEST", action: "test.import" })]));
    expect(await db.publication.count()).toBe(rows);
  });

  it("is swept after its grace; once shown it is cleared, unless a newer change arrived meanwhile", async () => {
    const id = randomUUID();
    await change(id);
    expect(await due(at(PUBLICATION_GRACE_MS - 1))).not.toContain(id);
    expect(await due(at(PUBLICATION_GRACE_MS + 1))).toContain(id);

    const now = at(PUBLICATION_GRACE_MS + 1);
    expect(await takePublication(db, id, "a", now, at(70_000), true)).toEqual({ recover: false });
    await change(id, now); // a newer change while "a" shows it: its lease is kept
    expect(await row(id)).toMatchObject({ dirty: true, holder: "a", leaseUntil: at(70_000) });
    expect(await takePublication(db, id, "b", now, at(80_000), false)).toBeNull();
    expect(await releasePublication(db, id, "a")).toBe(false);
    expect(await takePublication(db, id, "a", now, at(70_000), false)).toEqual({ recover: false });
    expect(await releasePublication(db, id, "a")).toBe(true);
    expect(await row(id)).toMatchObject({ dirty: false, holder: null, leaseUntil: null, recover: false });
    expect(await due(at(3_600_000))).not.toContain(id);
  });

  it("a holder that died is taken over after its lease, and the next attempt knows to look in Slack first", async () => {
    const id = randomUUID();
    await change(id);
    expect(await takePublication(db, id, "dead", T0, at(60_000), false)).toEqual({ recover: false });
    expect(await due(at(59_000))).not.toContain(id);
    expect(await takePublication(db, id, "b", at(59_000), at(119_000), true)).toBeNull();
    expect(await due(at(61_000))).toContain(id);
    expect(await takePublication(db, id, "b", at(61_000), at(121_000), true)).toEqual({ recover: true });
    expect(await releasePublication(db, id, "b")).toBe(true);
  });

  it("a failed attempt waits for its retry job, not the sweep, and is retried knowing to look first", async () => {
    const id = randomUUID();
    await change(id);
    expect(await takePublication(db, id, "a", T0, at(60_000), false)).toEqual({ recover: false });
    await failPublication(db, id, "a", at(5_000));
    await scheduleJobs(db, [{ kind: "slack.publish", key: `slack.publish:${id}:test`, runAt: at(5_000), requestId: id }]);
    expect(await due(at(3_600_000))).not.toContain(id);
    expect(await takePublication(db, id, "a", at(5_000), at(65_000), false)).toEqual({ recover: true });
  });
});
