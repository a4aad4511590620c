import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAudit } from "../../src/db/audit.ts";
import { readAuditEvent } from "../../src/domain/events.ts";
import { findRequest } from "../../src/db/requests.ts";
import { approvalApplies, approvalsGiven, LIVE_STATES, missingForExecution } from "../../src/domain/request.ts";
import {
  approveRequest,
  openRequest,
  reactivateClient,
  refreshAutomaticChecks,
  rejectRequest,
  tickCheck,
  untickCheck,
  withdrawRequest,
} from "../../src/services/requests.ts";
import { executeRequest } from "../../src/services/execution.ts";
import { addInvoice, createClient } from "../support/ledger-data.ts";
import { MANAGER_A, MANAGER_B, REQUESTER, STRANGER, testPolicyInput } from "../support/policy.ts";
import { policySchema } from "../../src/config/policy-schema.ts";
import { TestBot } from "../support/slack-bot.ts";

// Random sequences of actions by random people, through the real services on a
// real database: whatever they do, the rules hold.
// The test policy, plus a kind with the collections and login actions (seeds 001, 002).
const input = testPolicyInput({ language: "en", required: 2 });
const policy = policySchema.parse({
  ...input,
  kinds: {
    ...input.kinds,
    collections: {
      label: "Non-payment",
      checks: [{ id: "credit_notes", label: "Credit notes issued", evidence: "none", required: false }],
      actions: ["hold_invoices", "send_to_collections", "keep_login_records", "inactivate_client"],
      collections: { unless_check: "credit_notes" },
    },
  },
});
const bot = new TestBot(policy);
beforeAll(() => bot.start());
afterAll(() => bot.stop());

const APPROVERS = new Set([MANAGER_A, MANAGER_B]);
const user = fc.constantFrom(REQUESTER, MANAGER_A, MANAGER_B, STRANGER);
const client = fc.nat(1);
const checkIds = ["credit_notes", "written_request", "phone_call", "third_party", "db_handover", "courtesy_note", "no_pending_charges", "management_approval", "bogus"];
const text = fc.option(fc.string({ maxLength: 40 }), { nil: null });

const action = fc.oneof(
  { arbitrary: fc.record({ type: fc.constant("open" as const), user, client, kind: fc.constantFrom("toggle", "on_hold", "final", "collections"), thirdParty: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ type: fc.constant("execute" as const), user, client }), weight: 2 },
  { arbitrary: fc.record({ type: fc.constant("tick" as const), user, client, check: fc.constant("credit_notes"), evidence: fc.constant(null) }), weight: 1 },
  fc.record({ type: fc.constant("open" as const), user, client, kind: fc.constantFrom("voluntary", "voluntary", "toggle", "on_hold", "final", "unknown_kind"), thirdParty: fc.boolean() }),
  fc.record({ type: fc.constant("tick" as const), user, client, check: fc.constantFrom(...checkIds), evidence: text }),
  fc.record({ type: fc.constant("untick" as const), user, client, check: fc.constantFrom(...checkIds) }),
  fc.record({ type: fc.constant("approve" as const), user, client }),
  fc.record({ type: fc.constant("reject" as const), user, client, reason: fc.string({ maxLength: 20 }) }),
  fc.record({ type: fc.constant("withdraw" as const), user, client, reason: text }),
  fc.record({ type: fc.constant("execute" as const), user, client }),
  fc.record({ type: fc.constant("refresh" as const), user, client }),
  fc.record({ type: fc.constant("reactivate" as const), user, client }),
  fc.record({ type: fc.constant("charge" as const), client }),
  fc.record({ type: fc.constant("pay" as const), client }),
);
type Step = typeof action extends fc.Arbitrary<infer T> ? T : never;

let run = 0;

async function play(steps: Step[]) {
  run += 1;
  const clients = [await createClient(bot.db, { name: `Prop ${run} a` }), await createClient(bot.db, { name: `Prop ${run} b`, hostedDatabase: true })];
  const services = bot.slack.deps.services;
  const latest = async (i: number) => (await bot.db.deactivationRequest.findFirst({ where: { clientId: clients[i]!.id }, orderBy: { number: "desc" } }))?.id ?? "00000000-0000-4000-8000-000000000000";
  let invoice = 0;
  for (const step of steps) {
    bot.clock.advance(60_000);
    const c = clients[step.client]!;
    switch (step.type) {
      case "open":
        await openRequest(services, { clientRef: c.ref, kind: step.kind, requestedBy: step.user, reason: "property test", thirdPartyInvolved: step.thirdParty });
        break;
      case "tick":
        await tickCheck(services, await latest(step.client), step.user, step.check, step.evidence);
        break;
      case "untick":
        await untickCheck(services, await latest(step.client), step.user, step.check);
        break;
      case "approve":
        await approveRequest(services, await latest(step.client), step.user);
        break;
      case "reject":
        await rejectRequest(services, await latest(step.client), step.user, step.reason);
        break;
      case "withdraw":
        await withdrawRequest(services, await latest(step.client), step.user, step.reason);
        break;
      case "execute":
        await executeRequest(services, await latest(step.client), step.user);
        break;
      case "refresh":
        await refreshAutomaticChecks(services, await latest(step.client), step.user);
        break;
      case "reactivate":
        await reactivateClient(services, c.ref, step.user);
        break;
      case "charge":
        await addInvoice(bot.db, c.id, `P-${run}-${++invoice}`, 1000n);
        break;
      case "pay":
        await bot.db.invoice.updateMany({ where: { clientId: c.id, status: "open" }, data: { status: "paid" } });
        break;
    }
  }
  return clients;
}

async function checkInvariants(clients: { id: string }[]) {
  for (const c of clients) {
    const rows = await bot.db.deactivationRequest.findMany({ where: { clientId: c.id }, orderBy: { number: "asc" } });
    expect(rows.filter((r) => LIVE_STATES.includes(r.state)).length).toBeLessThanOrEqual(1);
    for (const row of rows) {
      const request = (await findRequest(bot.db, row.id))!;
      // No approval by the wrong person.
      for (const approval of request.approvals) {
        expect(APPROVERS.has(approval.approverId)).toBe(true);
        expect(approval.approverId).not.toBe(request.requestedBy);
      }
      expect(new Set(request.approvals.map((a) => a.approverId)).size).toBe(request.approvals.length);
      if (request.state === "executed") {
        // Executed implies every applicable check ticked and enough approvals.
        expect(missingForExecution(request)).toEqual([]);
        if (approvalApplies(request)) expect(approvalsGiven(request).length).toBeGreaterThanOrEqual(policy.approvers.required);
        const steps = await bot.db.executionStep.findMany({ where: { requestId: row.id } });
        expect(steps.every((s) => s.status === "done")).toBe(true);
        // Collections: skipped exactly when the credit notes were ticked (checks cannot change after execution).
        const collections = steps.find((s) => s.action === "send_to_collections");
        if (collections) {
          const creditNotes = request.checks.find((c) => c.checkId === "credit_notes")?.status === "done";
          expect(Boolean((collections.result as { skipped?: boolean }).skipped)).toBe(creditNotes);
        }
      }
      // At most one execution per request.
      expect(await bot.db.auditEvent.count({ where: { requestId: row.id, action: "request.executed" } })).toBeLessThanOrEqual(1);
    }
    // Invoices go to collections only through an execution that did not skip it.
    const sentInvoices = await bot.db.invoice.count({ where: { clientId: c.id, sentToCollectionsAt: { not: null } } });
    if (sentInvoices > 0) {
      const sending = await bot.db.executionStep.findMany({ where: { action: "send_to_collections", request: { clientId: c.id } } });
      expect(sending.some((s) => s.status === "done" && !(s.result as { skipped?: boolean }).skipped)).toBe(true);
    }
    // Executions of a client never outnumber its reactivations by more than one.
    const executed = await bot.db.auditEvent.count({ where: { clientId: c.id, action: "request.executed" } });
    const reactivated = await bot.db.auditEvent.count({ where: { clientId: c.id, action: "client.reactivated" } });
    expect(executed).toBeLessThanOrEqual(reactivated + 1);
    const client = await bot.db.client.findUniqueOrThrow({ where: { id: c.id } });
    expect(client.status === "inactive").toBe(executed > reactivated);
  }
}

describe("random actions by random people", () => {
  it("never break the invariants: executed means ready, at most one execution, rightful approvals, audit chain intact, no client lost", async () => {
    const clientsBefore = await bot.db.client.count();
    let created = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 40, size: "max" }), async (steps) => {
        const clients = await play(steps);
        created += clients.length;
        await checkInvariants(clients);
      }),
      { numRuns: 40, seed: Number(process.env.FC_SEED ?? 20261123) },
    );
    // Nothing was ever deleted: every client row is still there, and the chain verifies.
    expect(await bot.db.client.count()).toBe(clientsBefore + created);
    expect(await verifyAudit(bot.db)).toMatchObject({ ok: true });
    // Every event written reads back in its action's shape (events.ts): none the readers would have to guess at.
    const unreadable = (await bot.db.auditEvent.findMany({ select: { seq: true, action: true, data: true } })).filter((e) => !readAuditEvent(e).known);
    expect(unreadable.map((e) => `${e.seq} ${e.action} ${JSON.stringify(e.data)}`)).toEqual([]);
    // The runs reached the interesting states, so the invariants were really exercised.
    expect(await bot.db.deactivationRequest.count({ where: { state: "executed" } })).toBeGreaterThan(0);
    expect(await bot.db.auditEvent.count({ where: { action: "client.reactivated" } })).toBeGreaterThan(0);
    const collections = await bot.db.executionStep.findMany({ where: { action: "send_to_collections", status: "done" }, select: { result: true } });
    expect(collections.filter((s) => (s.result as { skipped?: boolean }).skipped).length).toBeGreaterThan(0);
    expect(collections.filter((s) => !(s.result as { skipped?: boolean }).skipped).length).toBeGreaterThan(0);
  }, 240_000);
});
