import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger } from "../../src/connectors/ledger.ts";
import { appendAudit, verifyAudit } from "../../src/db/audit.ts";
import type { DatabaseHandle, Db } from "../../src/db/database.ts";
import { createTestDatabase, rawEvent } from "../support/db.ts";
import { addInvoice, createClient } from "../support/ledger-data.ts";

let handle: DatabaseHandle;
let db: Db;

beforeAll(async () => {
  handle = await createTestDatabase();
  db = handle.prisma;
});
afterAll(async () => {
  await handle?.close();
});

async function writeEvents(n: number) {
  await db.$transaction((tx) =>
    appendAudit(
      tx,
      Array.from({ length: n }, (_, i) => rawEvent({ at: new Date(Date.UTC(2026, 7, 9, 12, 0, i)), actor: "U0TEST", action: "test.event", data: { i, nested: { b: 2, a: [1, "x"] } } })),
    ),
  );
}

/** Runs SQL with the audit triggers off, as someone with direct database access could. */
async function behindItsBack(sql: string) {
  await db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`ALTER TABLE "AuditEvent" DISABLE TRIGGER "AuditEvent_append_only"`);
    await tx.$executeRawUnsafe(sql);
    await tx.$executeRawUnsafe(`ALTER TABLE "AuditEvent" ENABLE TRIGGER "AuditEvent_append_only"`);
  });
}

describe("nothing is ever deleted", () => {
  it.each([
    { table: "Client", sql: `DELETE FROM "Client"` },
    { table: "Invoice", sql: `DELETE FROM "Invoice"` },
    { table: "DeactivationRequest", sql: `DELETE FROM "DeactivationRequest"` },
    { table: "Check", sql: `DELETE FROM "Check"` },
    { table: "Approval", sql: `DELETE FROM "Approval"` },
    { table: "ExecutionStep", sql: `DELETE FROM "ExecutionStep"` },
    { table: "Client (truncate)", sql: `TRUNCATE "Client" CASCADE` },
  ])("$table refuses DELETE", async ({ sql }) => {
    const client = await createClient(db);
    await addInvoice(db, client.id, "F-1", 1n);
    const request = await db.deactivationRequest.create({
      data: {
        clientId: client.id,
        kind: "voluntary",
        state: "executed",
        requestedBy: "U0TEST",
        requestedAt: new Date(),
        requestedOn: new Date("2026-08-09"),
        reason: "test",
        policySnapshot: {},
        checks: { create: [{ checkId: "a", position: 0 }] },
        approvals: { create: [{ approverId: "U0BOSS", decision: "approve", decidedAt: new Date() }] },
        steps: { create: [{ action: "inactivate_client", position: 0, idempotencyKey: `${client.id}:x` }] },
      },
    });
    await expect(db.$executeRawUnsafe(sql)).rejects.toThrow(/are never deleted/);
    expect(await db.client.count({ where: { id: client.id } })).toBe(1);
    expect(await db.deactivationRequest.findUniqueOrThrow({ where: { id: request.id }, include: { checks: true, approvals: true, steps: true } })).toMatchObject({
      checks: [expect.anything()],
      approvals: [expect.anything()],
      steps: [expect.anything()],
    });
  });

  it("Prisma's own delete is refused too", async () => {
    const client = await createClient(db);
    await expect(db.client.delete({ where: { id: client.id } })).rejects.toThrow(/never deleted/);
  });

  it.each([
    { name: "UPDATE", sql: `UPDATE "AuditEvent" SET "actor" = 'someone else'` },
    { name: "DELETE", sql: `DELETE FROM "AuditEvent"` },
    { name: "TRUNCATE", sql: `TRUNCATE "AuditEvent"` },
  ])("audit events refuse $name", async ({ sql }) => {
    await writeEvents(1);
    const before = await db.auditEvent.count();
    await expect(db.$executeRawUnsafe(sql)).rejects.toThrow(/append-only/);
    expect(await db.auditEvent.count()).toBe(before);
  });
});

describe("audit verify", () => {
  it("a chain written concurrently is gapless and verifies", async () => {
    await Promise.all(Array.from({ length: 10 }, () => writeEvents(3)));
    const seqs = (await db.auditEvent.findMany({ select: { seq: true }, orderBy: { seq: "asc" } })).map((e) => Number(e.seq));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(await verifyAudit(db, 7)).toEqual({ ok: true, events: seqs.length, lastSeq: BigInt(seqs.length) });
  });

  it("a transaction that rolls back gives its sequence numbers back", async () => {
    const before = await db.auditChain.findUniqueOrThrow({ where: { id: 1 } });
    await expect(
      db.$transaction(async (tx) => {
        await appendAudit(tx, [rawEvent({ at: new Date(), actor: "U0TEST", action: "doomed" })]);
        throw new Error("rollback");
      }),
    ).rejects.toThrow("rollback");
    expect(await db.auditChain.findUniqueOrThrow({ where: { id: 1 } })).toEqual(before);
    expect(await verifyAudit(db)).toMatchObject({ ok: true });
  });

  it.each([
    { name: "a changed field", sql: (seq: bigint) => `UPDATE "AuditEvent" SET "actor" = 'U0FORGER' WHERE "seq" = ${seq}`, problem: /was changed after it was written/ },
    { name: "changed data", sql: (seq: bigint) => `UPDATE "AuditEvent" SET "data" = '{"i": 99}' WHERE "seq" = ${seq}`, problem: /was changed/ },
    { name: "a removed event", sql: (seq: bigint) => `DELETE FROM "AuditEvent" WHERE "seq" = ${seq}`, problem: /is missing/ },
  ])("detects $name", async ({ sql, problem }) => {
    const fresh = await createTestDatabase();
    const original = db;
    db = fresh.prisma;
    try {
      await writeEvents(5);
      await behindItsBack(sql(3n));
      const result = await verifyAudit(db);
      expect(result).toMatchObject({ ok: false, seq: 3n, problem: expect.stringMatching(problem) });
    } finally {
      db = original;
      await fresh.close();
    }
  });

  it("detects the last events removed", async () => {
    const fresh = await createTestDatabase();
    try {
      const original = db;
      db = fresh.prisma;
      await writeEvents(4);
      await behindItsBack(`DELETE FROM "AuditEvent" WHERE "seq" = 4`);
      expect(await verifyAudit(db)).toMatchObject({ ok: false, problem: expect.stringMatching(/events were removed/) });
      db = original;
    } finally {
      await fresh.close();
    }
  });
});

describe("ledger search", () => {
  it("finds by ref and by name, accent- and case-insensitively, best match first", async () => {
    const acme = await createClient(db, { ref: "ACME-01", name: "Acmé Servicios S.A." });
    await createClient(db, { ref: "ACME-02", name: "Distribuidora Acme" });
    await createClient(db, { ref: "ZETA-1", name: "Zeta" });
    const ledger = new Ledger(db);
    expect((await ledger.findClients("acme-01", 5)).map((c) => c.ref)).toEqual(["ACME-01"]);
    expect((await ledger.findClients("ACME", 5)).map((c) => c.ref)).toEqual(["ACME-01", "ACME-02"]);
    expect((await ledger.findClients("acme servicios s a", 5)).map((c) => c.id)).toEqual([acme.id]);
    expect((await ledger.findClients("SERVICIOS", 5)).map((c) => c.ref)).toEqual(["ACME-01"]);
    expect(await ledger.findClients("%", 5)).toEqual([]);
    expect(await ledger.findClients("nothing like it", 5)).toEqual([]);
  });
});
