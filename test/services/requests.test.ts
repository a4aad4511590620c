import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger } from "../../src/connectors/ledger.ts";
import type { SystemOfRecord } from "../../src/connectors/system-of-record.ts";
import { verifyAudit } from "../../src/db/audit.ts";
import type { DatabaseHandle, Db } from "../../src/db/database.ts";
import { ErrorCode } from "../../src/domain/errors.ts";
import { ManualClock } from "../../src/services/clock.ts";
import { policyApprovers, type ServiceDeps } from "../../src/services/deps.ts";
import {
  approveRequest,
  openRequest,
  reactivateClient,
  rejectRequest,
  tickCheck,
  untickCheck,
  withdrawRequest,
} from "../../src/services/requests.ts";
import { executeRequest } from "../../src/services/execution.ts";
import { createStore } from "../../src/db/store.ts";
import { createTestDatabase } from "../support/db.ts";
import { addInvoice, createClient } from "../support/ledger-data.ts";
import { MANAGER_A, MANAGER_B, REQUESTER, STRANGER, testPolicy } from "../support/policy.ts";

let handle: DatabaseHandle;
let db: Db;
let deps: ServiceDeps;
const clock = new ManualClock(new Date("2026-08-09T14:00:00Z"));

beforeAll(async () => {
  handle = await createTestDatabase();
  db = handle.prisma;
  const policy = testPolicy();
  deps = { store: createStore(db), clock, policy, sor: new Ledger(db), approvers: policyApprovers(policy) };
});
afterAll(async () => {
  await handle?.close();
});

async function open(clientRef: string, overrides: Partial<Parameters<typeof openRequest>[1]> = {}, d = deps) {
  const result = await openRequest(d, { clientRef, kind: "voluntary", requestedBy: REQUESTER, reason: "Closing the business", ...overrides });
  if (!result.ok) throw new Error(`open failed: ${result.error.code}`);
  return result.request;
}

async function actions(requestId: string) {
  return (await db.auditEvent.findMany({ where: { requestId }, orderBy: { seq: "asc" } })).map((e) => e.action);
}

/** Opens a voluntary request and ticks everything but the approval. */
async function readyForApproval(clientRef: string, d = deps) {
  const request = await open(clientRef, {}, d);
  expect((await tickCheck(d, request.id, REQUESTER, "written_request", "https://mail.example/1")).ok).toBe(true);
  expect((await tickCheck(d, request.id, REQUESTER, "phone_call")).ok).toBe(true);
  return request;
}

describe("opening a request", () => {
  it("evaluates the automatic checks from the ledger and writes the audit trail", async () => {
    const client = await createClient(db, { thirdParty: true });
    await addInvoice(db, client.id, "F-1001", 12000n);
    await addInvoice(db, client.id, "F-0999", 5000n, "paid");
    const request = await open(client.ref);
    expect(request.number).toBeGreaterThan(0);
    expect(request.thirdPartyInvolved).toBe(true);
    expect(request.checks.map((c) => c.checkId)).toContain("third_party");
    const charges = request.checks.find((c) => c.checkId === "no_pending_charges")!;
    expect(charges).toMatchObject({
      status: "failed",
      detail: { count: 1, totalsMinor: { USD: "12000" }, charges: [{ number: "F-1001", amountMinor: "12000", currency: "USD", dueOn: "2026-08-01" }] },
    });
    const stored = await db.deactivationRequest.findUniqueOrThrow({ where: { id: request.id }, include: { checks: true } });
    expect(stored.liveClientId).toBe(client.id);
    expect(stored.checks.find((c) => c.checkId === "no_pending_charges")!.status).toBe("failed");
    expect(await actions(request.id)).toEqual(["request.opened", "check.evaluated"]);
  });

  it("refuses a second live request for the same client, naming the first", async () => {
    const client = await createClient(db);
    const first = await open(client.ref);
    const second = await openRequest(deps, { clientRef: client.ref, kind: "voluntary", requestedBy: STRANGER, reason: "again" });
    expect(second).toEqual({ ok: false, error: { code: ErrorCode.RequestAlreadyOpen, details: { requestId: first.id, number: first.number, state: "open" } } });
  });

  it("lets only one of many simultaneous openings through", async () => {
    const client = await createClient(db);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => openRequest(deps, { clientRef: client.ref, kind: "voluntary", requestedBy: REQUESTER, reason: "race" })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.error.code === ErrorCode.RequestAlreadyOpen)).toBe(true);
    expect(await db.deactivationRequest.count({ where: { clientId: client.id } })).toBe(1);
  });

  it.each([
    { name: "unknown client", command: { clientRef: "NOPE-404" }, code: ErrorCode.ClientNotFound },
    { name: "unknown kind", command: { kind: "nope" }, code: ErrorCode.KindUnknown },
    { name: "blank reason", command: { reason: " " }, code: ErrorCode.ReasonRequired },
  ])("refuses $name and writes nothing", async ({ command, code }) => {
    const client = await createClient(db);
    const before = await db.auditEvent.count();
    const result = await openRequest(deps, { clientRef: client.ref, kind: "voluntary", requestedBy: REQUESTER, reason: "r", ...command });
    expect(result).toMatchObject({ ok: false, error: { code } });
    expect(await db.deactivationRequest.count({ where: { clientId: client.id } })).toBe(0);
    expect(await db.auditEvent.count()).toBe(before);
  });
});

describe("from open to executed", () => {
  it("runs the whole lifecycle and leaves a verifiable trail", async () => {
    const client = await createClient(db);
    await addInvoice(db, client.id, "F-2001", 100n, "paid");
    const request = await readyForApproval(client.ref);

    const early = await executeRequest(deps, request.id, REQUESTER);
    expect(early).toMatchObject({ ok: false, error: { code: ErrorCode.RequestNotReady, details: { missing: [{ type: "approvals", have: 0, need: 1 }] } } });
    expect(await db.executionStep.count({ where: { requestId: request.id } })).toBe(0);

    const approved = await approveRequest(deps, request.id, MANAGER_A);
    expect(approved).toMatchObject({ ok: true, request: { state: "ready" } });

    clock.set("2026-08-09T16:00:00Z");
    const executed = await executeRequest(deps, request.id, REQUESTER);
    expect(executed).toMatchObject({
      ok: true,
      request: { state: "executed", executedBy: REQUESTER },
      outcomes: [{ action: "hold_invoices", outcome: { held: [] } }, { action: "inactivate_client", outcome: { inactivated: true } }],
    });
    const after = await db.client.findUniqueOrThrow({ where: { id: client.id } });
    expect(after).toMatchObject({ status: "inactive", inactivatedBy: REQUESTER, inactivationReason: "Closing the business", inactivatedAt: new Date("2026-08-09T16:00:00Z") });
    const stored = await db.deactivationRequest.findUniqueOrThrow({ where: { id: request.id } });
    expect(stored).toMatchObject({ state: "executed", liveClientId: null });
    expect(await actions(request.id)).toEqual([
      "request.opened",
      "check.evaluated",
      "check.ticked",
      "check.ticked",
      "request.approved",
      "request.ready",
      "execution.started",
      "execution.action_done",
      "execution.action_done",
      "request.executed",
    ]);
    expect(await verifyAudit(db)).toMatchObject({ ok: true });
  });

  it("re-validates at execution: a charge that appeared since blocks it", async () => {
    const client = await createClient(db);
    const request = await readyForApproval(client.ref);
    await approveRequest(deps, request.id, MANAGER_A);
    await addInvoice(db, client.id, "F-3001", 9900n);
    const result = await executeRequest(deps, request.id, REQUESTER);
    expect(result).toMatchObject({ ok: false, error: { code: ErrorCode.RequestNotReady, details: { missing: [{ checkId: "no_pending_charges", problem: "failed" }] } } });
    expect(await db.deactivationRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({ state: "open" });
    expect((await db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("active");
  });

  it("a failed action leaves the request ready, and a retry does not repeat what succeeded", async () => {
    const ledger = new Ledger(db);
    const calls: string[] = [];
    let failNext = true;
    const flaky: SystemOfRecord = Object.assign(Object.create(ledger) as Ledger, {
      holdInvoices: (ref: string, ctx: Parameters<Ledger["holdInvoices"]>[1]) => {
        calls.push(`hold:${ctx.idempotencyKey}`);
        return ledger.holdInvoices(ref, ctx);
      },
      inactivateClient: (ref: string, ctx: Parameters<Ledger["inactivateClient"]>[1]) => {
        calls.push(`inactivate:${ctx.idempotencyKey}`);
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error("ledger timed out"));
        }
        return ledger.inactivateClient(ref, ctx);
      },
    });
    const flakyDeps = { ...deps, sor: flaky };
    const client = await createClient(db);
    await addInvoice(db, client.id, "F-4001", 100n, "paid");
    const request = await readyForApproval(client.ref, flakyDeps);
    await approveRequest(flakyDeps, request.id, MANAGER_A);

    const first = await executeRequest(flakyDeps, request.id, REQUESTER);
    expect(first).toEqual({ ok: false, error: { code: ErrorCode.ExecutionFailed, details: { action: "inactivate_client", error: "ledger timed out", done: ["hold_invoices"] } } });
    expect(await db.deactivationRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({ state: "ready" });
    expect(await db.executionStep.findMany({ where: { requestId: request.id }, orderBy: { position: "asc" }, select: { action: true, status: true, lastError: true } })).toEqual([
      { action: "hold_invoices", status: "done", lastError: null },
      { action: "inactivate_client", status: "failed", lastError: "ledger timed out" },
    ]);

    const retry = await executeRequest(flakyDeps, request.id, REQUESTER);
    expect(retry).toMatchObject({ ok: true, request: { state: "executed" } });
    expect(calls).toEqual([`hold:${request.id}:hold_invoices`, `inactivate:${request.id}:inactivate_client`, `inactivate:${request.id}:inactivate_client`]);
  });
});

describe("who may decide", () => {
  it("a non-approver is refused and the attempt is audited", async () => {
    const client = await createClient(db);
    const request = await readyForApproval(client.ref);
    expect(await approveRequest(deps, request.id, STRANGER)).toEqual({ ok: false, error: { code: ErrorCode.NotApprover } });
    const refusal = await db.auditEvent.findFirstOrThrow({ where: { requestId: request.id, action: "request.refused" } });
    expect(refusal).toMatchObject({ actor: STRANGER, data: { code: ErrorCode.NotApprover, state: "open" } });
    expect(await db.approval.count({ where: { requestId: request.id } })).toBe(0);
  });

  it("simultaneous clicks on Approve by one approver give one approval and one event", async () => {
    const client = await createClient(db);
    const request = await readyForApproval(client.ref);
    const results = await Promise.all(Array.from({ length: 8 }, () => approveRequest(deps, request.id, MANAGER_A)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.error.code === ErrorCode.AlreadyDecided)).toBe(true);
    expect(await db.approval.count({ where: { requestId: request.id } })).toBe(1);
    expect((await actions(request.id)).filter((a) => a === "request.approved")).toHaveLength(1);
  });

  it("approve and reject racing: one decision wins, the other is told who decided", async () => {
    const client = await createClient(db);
    const request = await readyForApproval(client.ref);
    const [a, b] = await Promise.all([approveRequest(deps, request.id, MANAGER_A), rejectRequest(deps, request.id, MANAGER_B, "still owes")]);
    expect([a, b].filter((r) => r.ok)).toHaveLength(1);
    const loser = [a, b].find((r) => !r.ok)!;
    expect(loser.ok === false && [ErrorCode.AlreadyDecided, ErrorCode.RequestClosed]).toContain(loser.ok === false && loser.error.code);
  });

  it("unticking and withdrawing are recorded and close nothing they should not", async () => {
    const client = await createClient(db);
    const request = await readyForApproval(client.ref);
    expect(await untickCheck(deps, request.id, REQUESTER, "phone_call")).toMatchObject({ ok: true });
    expect(await withdrawRequest(deps, request.id, STRANGER, "not mine")).toEqual({ ok: false, error: { code: ErrorCode.NotAllowedToWithdraw } });
    expect(await withdrawRequest(deps, request.id, REQUESTER, "client stayed")).toMatchObject({ ok: true, request: { state: "withdrawn", closeReason: "client stayed" } });
    expect((await db.deactivationRequest.findUniqueOrThrow({ where: { id: request.id } })).liveClientId).toBeNull();
    // The client is free for a new request.
    expect((await open(client.ref)).id).not.toBe(request.id);
  });
});

describe("reactivation", () => {
  it("reactivates the client; held invoices stay on hold and cancelled subscriptions stay cancelled (seed 003)", async () => {
    const client = await createClient(db);
    await addInvoice(db, client.id, "F-5002", 700n);
    await db.subscription.create({ data: { clientId: client.id, plan: "Boost" } });
    const request = await open(client.ref, { kind: "on_hold" });
    expect(request.state).toBe("ready");
    expect(await executeRequest(deps, request.id, REQUESTER)).toMatchObject({
      ok: true,
      outcomes: [{ outcome: { held: ["F-5002"] } }, { outcome: { cancelled: ["Boost"] } }, { outcome: { inactivated: true } }],
    });

    const result = await reactivateClient(deps, client.ref, MANAGER_B);
    expect(result).toMatchObject({ ok: true, unchanged: { invoicesOnHold: true, subscriptionsCancelled: true } });
    expect(await db.client.findUniqueOrThrow({ where: { id: client.id } })).toMatchObject({ status: "active", reactivatedBy: MANAGER_B });
    expect(await db.invoice.findFirstOrThrow({ where: { clientId: client.id, number: "F-5002" } })).toMatchObject({ onHold: true, heldBy: REQUESTER });
    expect(await db.subscription.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ status: "cancelled" });
    expect(await reactivateClient(deps, client.ref, MANAGER_B)).toEqual({ ok: false, error: { code: ErrorCode.ClientAlreadyActive } });
    expect(await db.auditEvent.count({ where: { clientId: client.id, action: "client.reactivated" } })).toBe(1);
  });
});
