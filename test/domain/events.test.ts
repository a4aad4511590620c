import { describe, expect, it } from "vitest";
import { readCheckDetail } from "../../src/domain/check-details.ts";
import { AUDIT_EVENTS, readAuditEvent, type AuditDraft } from "../../src/domain/events.ts";

// Events are written as drafts and read back from JSON: each action's data
// comes back in its shape (dates as Dates); anything else is "not known",
// never guessed at.

const AT = new Date("2026-08-09T14:00:00.000Z");
const stored = (draft: AuditDraft) => ({ action: draft.action, data: JSON.parse(JSON.stringify(draft.data)) as unknown });

describe("audit events read back in their action's shape", () => {
  it.each<[string, AuditDraft, unknown]>([
    ["a tick with evidence", { action: "check.ticked", data: { checkId: "phone_call", evidence: "https://x" } }, { checkId: "phone_call", evidence: "https://x" }],
    ["a tick without", { action: "check.ticked", data: { checkId: "phone_call" } }, { checkId: "phone_call" }],
    ["an approval", { action: "request.approved", data: { approvals: 1, required: 2 } }, { approvals: 1, required: 2 }],
    ["a snooze: its date comes back a Date", { action: "dunning.snoozed", data: { stepId: "call", until: AT } }, { stepId: "call", until: AT }],
    ["deletion waiting", { action: "deletion.waiting", data: { missing: ["backup"], retryAt: AT } }, { missing: ["backup"], retryAt: AT }],
    ["a state change with no data", { action: "request.ready", data: {} }, {}],
  ])("%s", (_, draft, data) => {
    expect(readAuditEvent(stored(draft))).toEqual({ action: draft.action, known: true, data });
  });

  it.each([
    ["an action this version does not know", { action: "request.teleported", data: {} }],
    ["a required field missing", { action: "request.approved", data: { approvals: 1 } }],
    ["a field of the wrong type", { action: "check.ticked", data: { checkId: 7 } }],
    ["a value outside its set", { action: "dunning.stopped", data: { outcome: "forgotten" } }],
    ["a date that is not one", { action: "dunning.snoozed", data: { stepId: "call", until: "tomorrow" } }],
    ["no data at all", { action: "check.unticked", data: null }],
  ])("%s: read as not known, its data kept as it is", (_, event) => {
    expect(readAuditEvent(event)).toEqual({ action: event.action, known: false, data: event.data });
  });

  it("a name that is a property of every object is not an action", () => {
    expect(readAuditEvent({ action: "constructor", data: {} }).known).toBe(false);
    expect(Object.keys(AUDIT_EVENTS)).not.toContain("constructor");
  });
});

describe("automatic checks' details read back in their check's shape", () => {
  it.each([
    ["charges", "no_pending_charges", { count: 1, totalsMinor: { USD: "100" }, charges: [{ number: "F-1", amountMinor: "100", currency: "USD", dueOn: "2026-08-01" }] }],
    ["equipment", "no_equipment_out", { count: 0, equipment: [] }],
    ["a ladder", "dunning_complete", { done: 2, total: 3 }],
    ["approvers", "management_approval", { approvers: ["U0MANAGERA"] }],
  ] as const)("%s", (_, check, detail) => {
    expect(readCheckDetail(check, JSON.parse(JSON.stringify(detail)))).toEqual(detail);
  });

  it.each([
    ["none yet", "no_pending_charges", null],
    ["a count as text", "no_pending_charges", { count: "1", totalsMinor: {}, charges: [] }],
    ["another check's shape", "no_equipment_out", { done: 1, total: 2 }],
    ["a list missing", "dunning_complete", { done: 1 }],
  ] as const)("%s: null, so the card says nothing rather than something wrong", (_, check, detail) => {
    expect(readCheckDetail(check, detail)).toBeNull();
  });
});
