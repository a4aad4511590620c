import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { verifyAudit } from "../../src/db/audit.ts";
import { Ids } from "../../src/slack/ids.ts";
import { createClient } from "../support/ledger-data.ts";
import { MANAGER_A, MANAGER_B, REQUESTER, testPolicy } from "../support/policy.ts";
import { TestBot } from "../support/slack-bot.ts";

// Slack retries what it thinks was lost, and people double-click: nothing may happen twice.
const bot = new TestBot(testPolicy({ language: "en" }));
beforeAll(() => bot.start());
afterAll(() => bot.stop());
beforeEach(() => bot.fake.clear());

const A = Ids.action;
const B = Ids.block;
const form = {
  [B.kind]: { [A.kind]: { selected_option: { value: "voluntary" } } },
  [B.reason]: { [A.reason]: { value: "Moving to a competitor" } },
  [B.requestedOn]: { [A.requestedOn]: { selected_date: "2026-08-09" } },
};
const cards = (channel: string) => bot.fake.called("chat.postMessage", (a) => a.channel === channel && !a.thread_ts);
const threadLines = () => bot.threadLines();

describe("a form submission Slack sends again", () => {
  it("opens one request: the retries, at once and later, get the same answer", async () => {
    const client = await createClient(bot.db, { name: "Retry SA" });
    await bot.command(REQUESTER, client.ref);
    const view = { ...bot.lastModal(), id: "VRETRIED01" };
    const answers = await Promise.all([bot.submit(REQUESTER, view, form), bot.submit(REQUESTER, view, form), bot.submit(REQUESTER, view, form)]);
    const later = await bot.submit(REQUESTER, view, form);
    expect([...answers, later].map((a) => [a.status, a.answer])).toEqual(Array(4).fill([200, null]));
    expect(await bot.db.deactivationRequest.count({ where: { clientId: client.id } })).toBe(1);
    expect(await bot.db.auditEvent.count({ where: { clientId: client.id, action: "request.opened" } })).toBe(1);
    expect(cards("C0REQUESTS")).toHaveLength(1);
    expect(cards("C0MANAGERS")).toHaveLength(1);

    // A different form for the same client is a second request, and is refused as one.
    const second = await bot.submit(REQUESTER, { ...view, id: "VANOTHER01" }, form);
    expect(second.answer).toMatchObject({ response_action: "errors", errors: { [B.client]: expect.stringMatching(/already/) } });
  });
});

describe("Approve clicked many times at once", () => {
  it("20 clicks by the same approver: one approval, one audit event, one card update", async () => {
    const client = await createClient(bot.db, { name: "Clicky Ltd" });
    const request = await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Closing", requestedOn: "2026-08-09" });
    bot.fake.clear();
    const clicks = await Promise.all(Array.from({ length: 20 }, () => bot.click(MANAGER_A, A.approve, request.id)));
    expect(clicks.every((c) => c.status === 200)).toBe(true);
    expect(await bot.db.approval.count({ where: { requestId: request.id } })).toBe(1);
    expect(await bot.db.auditEvent.count({ where: { requestId: request.id, action: "request.approved" } })).toBe(1);
    const told = clicks.map((c) => bot.responseTo(c.responseId)?.text).filter(Boolean);
    expect(told).toEqual(Array(19).fill("Already decided: approved by <@U0MANAGERA>."));
    expect(bot.fake.called("chat.update", (a) => a.channel === "C0REQUESTS")).toHaveLength(1);
    expect(bot.fake.called("chat.update", (a) => a.channel === "C0MANAGERS")).toHaveLength(1);
    expect(threadLines().filter((l) => /approved/.test(l))).toHaveLength(1);
  });
});

describe("Approve and Reject racing from two approvers", () => {
  it("one decision wins; the other approver is told who decided first", async () => {
    for (let round = 0; round < 4; round++) {
      const client = await createClient(bot.db, { name: `Race ${round}` });
      const request = await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Closing", requestedOn: "2026-08-09" });
      await bot.click(MANAGER_A, A.reject, request.id);
      const rejectForm = bot.lastModal();
      const reason = { [B.rejectReason]: { [A.rejectReason]: { value: "Client still pays" } } };
      // Alternate who sends first; on PostgreSQL both run at once.
      const [approve, reject] =
        round % 2 === 0
          ? await Promise.all([bot.click(MANAGER_B, A.approve, request.id), bot.submit(MANAGER_A, rejectForm, reason)])
          : await Promise.all([bot.submit(MANAGER_A, rejectForm, reason), bot.click(MANAGER_B, A.approve, request.id)]).then(([r, a]) => [a, r] as const);
      const after = await bot.db.deactivationRequest.findUniqueOrThrow({ where: { id: request.id }, include: { approvals: true } });
      expect(after.approvals).toHaveLength(1);
      if (after.state === "rejected") {
        expect(after.approvals[0]).toMatchObject({ approverId: MANAGER_A, decision: "reject" });
        expect(bot.responseTo(approve.responseId)?.text).toBe("Already decided: rejected by <@U0MANAGERA>.");
      } else {
        expect(after.approvals[0]).toMatchObject({ approverId: MANAGER_B, decision: "approve" });
        expect(reject.answer).toEqual({ response_action: "errors", errors: { [B.rejectReason]: "Already decided: approved by @U0MANAGERB." } });
      }
    }
    expect(await verifyAudit(bot.db)).toMatchObject({ ok: true });
  });
});

describe("an event Slack delivers again (x-slack-retry-num)", () => {
  it("is handled once, however many times and at once it arrives", async () => {
    const event = { type: "app_home_opened", user: REQUESTER, tab: "home" };
    const statuses = await Promise.all([
      bot.event(event, { eventId: "Ev0RETRY1" }),
      bot.event(event, { eventId: "Ev0RETRY1", retryNum: 1 }),
      bot.event(event, { eventId: "Ev0RETRY1", retryNum: 2 }),
    ]);
    expect(await bot.event(event, { eventId: "Ev0RETRY1", retryNum: 3 })).toBe(200);
    expect(statuses).toEqual([200, 200, 200]);
    expect(bot.fake.called("views.publish")).toHaveLength(1);
    await bot.event(event, { eventId: "Ev0OTHER1" });
    expect(bot.fake.called("views.publish")).toHaveLength(2);
  });
});
