import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { verifyAudit } from "../../src/db/audit.ts";
import { Ids } from "../../src/slack/ids.ts";
import { addInvoice, createClient } from "../support/ledger-data.ts";
import { MANAGER_A, MANAGER_B, REQUESTER, STRANGER, testPolicy } from "../support/policy.ts";
import { buttons, readable, TestBot } from "../support/slack-bot.ts";

const bot = new TestBot(testPolicy({ language: "en" }));
beforeAll(() => bot.start());
afterAll(() => bot.stop());
beforeEach(() => bot.fake.clear());

const A = Ids.action;
const B = Ids.block;

/** What the modal's inputs send back when a person fills them in. */
function formValues(fields: { kind?: string; reason?: string; askedBy?: string; confirmation?: string; requestedOn?: string; thirdParty?: boolean; client?: string }) {
  return {
    ...(fields.client ? { [B.client]: { [A.client]: { type: "static_select", selected_option: { value: fields.client } } } } : {}),
    [B.kind]: { [A.kind]: { type: "static_select", selected_option: fields.kind ? { value: fields.kind } : null } },
    [B.reason]: { [A.reason]: { type: "plain_text_input", value: fields.reason ?? null } },
    [B.askedBy]: { [A.askedBy]: { type: "plain_text_input", value: fields.askedBy ?? null } },
    [B.confirmation]: { [A.confirmation]: { type: "plain_text_input", value: fields.confirmation ?? null } },
    [B.thirdParty]: { [A.thirdParty]: { type: "checkboxes", selected_options: fields.thirdParty ? [{ value: "yes" }] : [] } },
    [B.requestedOn]: { [A.requestedOn]: { type: "datepicker", selected_date: fields.requestedOn ?? "2026-08-09" } },
    [B.notes]: { [A.notes]: { type: "plain_text_input", value: null } },
  };
}

/** The form as a requester usually fills it in. */
const OPEN = { kind: "voluntary", reason: "Closing the business", requestedOn: "2026-08-09" };

const lastCard = (channel: string) => {
  const updates = bot.fake.calls.filter((c) => (c.method === "chat.update" || (c.method === "chat.postMessage" && !c.args.thread_ts)) && c.args.channel === channel);
  return updates.at(-1)!.args;
};
const threadLines = () => bot.threadLines();

/** What the modal a command or button opened shows once its answer came (views.update of the "looking it up" modal). */
function shownInModal(): string {
  return readable((bot.fake.called("views.update").at(-1)?.view as { blocks?: unknown } | undefined)?.blocks);
}

describe("from /deactivate to an executed inactivation", () => {
  it("runs the whole flow, every rule enforced on the server", async () => {
    const client = await createClient(bot.db, { name: "Acmé Servicios", ref: "ACME-1" });
    await addInvoice(bot.db, client.id, "F-0001", 5000n, "paid");

    // The command opens the modal for the one client that matches, accents aside.
    await bot.command(REQUESTER, "acme servicios");
    const modal = bot.lastModal();
    expect(modal.callback_id).toBe(Ids.view.deactivate);
    expect(readable(modal.blocks)).toContain("*Acmé Servicios* (ACME-1)");
    expect(modal.blocks.find((b) => b.block_id === B.requestedOn)).toMatchObject({ element: { initial_date: "2026-08-09" } });

    // Submitting posts the request card and the approval card.
    const { answer } = await bot.submit(REQUESTER, modal, formValues({ kind: "voluntary", reason: "Closing the business", askedBy: "Ana Pérez", confirmation: "https://mail.example/thread/1" }));
    expect(answer).toBeNull();
    const request = await bot.db.deactivationRequest.findFirstOrThrow({ where: { clientId: client.id } });
    expect(request).toMatchObject({ state: "open", askedBy: "Ana Pérez", requestedOn: new Date("2026-08-09") });
    const card = bot.fake.called("chat.postMessage", (a) => a.channel === "C0REQUESTS" && !a.thread_ts)[0]!;
    expect(readable(card.blocks)).toMatch(/Deactivation request #\d+: Acmé Servicios/);
    expect(readable(card.blocks)).toContain("Closing the business");
    expect(readable(card.blocks)).toContain("*No pending charges* — no pending charges");
    expect(buttons(card.blocks)).toEqual([A.tick, A.tick, A.tick, A.recheck, A.withdraw]);
    const approvalCard = bot.fake.called("chat.postMessage", (a) => a.channel === "C0MANAGERS")[0]!;
    expect(buttons(approvalCard.blocks)).toEqual([A.approve, A.reject]);
    expect(await bot.db.slackPost.count({ where: { requestId: request.id } })).toBe(2);

    // A check that needs evidence opens a small form; the tick lands on the card and in its thread.
    bot.fake.clear();
    await bot.click(REQUESTER, A.tick, JSON.stringify({ r: request.id, c: "written_request" }));
    const evidence = bot.lastModal();
    expect(evidence.callback_id).toBe(Ids.view.evidence);
    const empty = await bot.submit(REQUESTER, evidence, { [B.evidence]: { [A.evidence]: { type: "plain_text_input", value: "" } } });
    expect(empty.answer).toEqual({ response_action: "errors", errors: { [B.evidence]: "This check needs evidence: a link or a note." } });
    await bot.submit(REQUESTER, evidence, { [B.evidence]: { [A.evidence]: { type: "plain_text_input", value: "https://mail.example/thread/1" } } });
    expect(readable(lastCard("C0REQUESTS").blocks)).toMatch(/Written request\* — <@U0REQUESTER>, .*\nEvidence: https:\/\/mail\.example\/thread\/1/);
    expect(threadLines()).toContain("<@U0REQUESTER> ticked *Written request*. Evidence: https://mail.example/thread/1");

    // A check that takes no evidence is ticked at once.
    await bot.click(REQUESTER, A.tick, JSON.stringify({ r: request.id, c: "phone_call" }));

    // Execute before approval: refused, with what is missing; nothing changes.
    const early = await bot.click(REQUESTER, A.execute, request.id);
    expect(bot.responseTo(early.responseId)).toMatchObject({ response_type: "ephemeral", text: "Not yet: 0 of 1 approvals." });
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("active");

    // The requester cannot approve their own request; a stranger cannot approve at all.
    const self = await bot.click(REQUESTER, A.approve, request.id);
    expect(bot.responseTo(self.responseId)?.text).toBe("Only the approvers named in the policy can approve or reject requests.");
    const stranger = await bot.click(STRANGER, A.approve, request.id);
    expect(bot.responseTo(stranger.responseId)?.text).toMatch(/Only the approvers/);
    expect(await bot.db.auditEvent.count({ where: { requestId: request.id, action: "request.refused" } })).toBe(2);

    // A manager approves: the approval card loses its buttons, the requester hears it, the card offers Execute.
    bot.fake.clear();
    await bot.click(MANAGER_A, A.approve, request.id);
    const decided = lastCard("C0MANAGERS");
    expect(buttons(decided.blocks)).toEqual([]);
    expect(readable(decided.blocks)).toMatch(/Approved by <@U0MANAGERA> on/);
    expect(bot.fake.called("chat.postMessage", (a) => a.channel === REQUESTER)).toEqual([expect.objectContaining({ text: expect.stringMatching(/was approved by <@U0MANAGERA>/) })]);
    expect(buttons(lastCard("C0REQUESTS").blocks)).toEqual([A.untick, A.untick, A.tick, A.recheck, A.execute, A.withdraw]);
    const late = await bot.click(MANAGER_B, A.approve, request.id);
    expect(bot.responseTo(late.responseId)?.text).toBe("Already decided: approved by <@U0MANAGERA>.");

    // Execute: the actions run, the card says who inactivated the client and when.
    bot.fake.clear();
    bot.clock.set("2026-08-09T18:30:00Z");
    await bot.click(REQUESTER, A.execute, request.id);
    const executed = lastCard("C0REQUESTS");
    expect(readable(executed.blocks)).toContain("Inactivated by <@U0REQUESTER> on 9 Aug 2026, 15:30");
    expect(buttons(executed.blocks)).toEqual([]);
    expect(threadLines()).toEqual([
      expect.stringContaining("started the execution"),
      "Done: put open invoices on hold.",
      "Done: inactivate the client.",
      ":white_check_mark: <@U0REQUESTER> inactivated Acmé Servicios.",
    ]);
    expect(await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).toMatchObject({ status: "inactive", inactivatedBy: REQUESTER });
    expect(await verifyAudit(bot.db)).toMatchObject({ ok: true });
  });

  it("a charge that appeared after approval blocks execution and shows on the card", async () => {
    const client = await createClient(bot.db, { name: "Late Charges" });
    const request = await bot.openByForm(REQUESTER, client, OPEN);
    await bot.click(REQUESTER, A.tick, JSON.stringify({ r: request.id, c: "phone_call" }));
    await bot.submit(REQUESTER, { callback_id: Ids.view.evidence, private_metadata: JSON.stringify({ requestId: request.id, checkId: "written_request" }) }, { [B.evidence]: { [A.evidence]: { type: "plain_text_input", value: "email" } } });
    await bot.click(MANAGER_A, A.approve, request.id);
    await addInvoice(bot.db, client.id, "F-1001", 12000n);
    bot.fake.clear();
    const click = await bot.click(REQUESTER, A.execute, request.id);
    expect(bot.responseTo(click.responseId)?.text).toBe("Not yet: “No pending charges” failed.");
    // Intl writes a no-break space between the currency and the amount.
    expect(readable(lastCard("C0REQUESTS").blocks)).toMatch(/:x: \*No pending charges\* — 1 unpaid invoice: F-1001 USD\s120\.00 due 1 Aug 2026/);
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("active");
  });

  it("rejection asks why, closes the request and tells the requester", async () => {
    const client = await createClient(bot.db, { name: "Rejected Ltd" });
    const request = await bot.openByForm(REQUESTER, client, OPEN);
    await bot.click(STRANGER, A.reject, request.id);
    // The modal opened at once (the approvers may be asked of Slack) says why there is no form.
    expect(shownInModal()).toMatch(/Only the approvers/);
    expect(bot.fake.calls.filter((c) => c.method.startsWith("views.") && (c.args.view as { callback_id?: string }).callback_id === Ids.view.reject)).toEqual([]);

    await bot.click(MANAGER_B, A.reject, request.id);
    const form = bot.lastModal();
    expect(form.callback_id).toBe(Ids.view.reject);
    expect((await bot.submit(MANAGER_B, form, { [B.rejectReason]: { [A.rejectReason]: { type: "plain_text_input", value: "  " } } })).answer).toEqual({
      response_action: "errors",
      errors: { [B.rejectReason]: "Say why the request is rejected." },
    });
    bot.fake.clear();
    await bot.submit(MANAGER_B, form, { [B.rejectReason]: { [A.rejectReason]: { type: "plain_text_input", value: "They still owe <!channel> two invoices" } } });
    expect(readable(lastCard("C0REQUESTS").blocks)).toMatch(/Rejected by <@U0MANAGERB> on .*: They still owe &lt;!channel&gt; two invoices/);
    expect(buttons(lastCard("C0REQUESTS").blocks)).toEqual([]);
    expect(bot.fake.called("chat.postMessage", (a) => a.channel === REQUESTER)[0]).toMatchObject({ text: expect.stringMatching(/was rejected by <@U0MANAGERB>: They still owe &lt;!channel&gt;/) });
    expect(await bot.db.deactivationRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({ state: "rejected", liveClientId: null });
  });
});

describe("/deactivate answers", () => {
  it("usage and the user's open requests", async () => {
    const client = await createClient(bot.db, { name: "Helpful Co" });
    await bot.openByForm(REQUESTER, client, OPEN);
    const { responseId } = await bot.command(REQUESTER, "help");
    const text = String(bot.responseTo(responseId)?.text);
    expect(text).toContain("*/deactivate CLIENT* opens a deactivation request");
    expect(text).toMatch(/#\d+ Helpful Co — collecting checks/);
  });

  it("no match: says so, with the closest names", async () => {
    await createClient(bot.db, { name: "Zeta Libra Online", ref: "ZL-1" });
    await bot.command(REQUESTER, "zetta libra");
    // In the modal that opened at once while the search ran.
    expect(shownInModal()).toBe("No client matches “zetta libra”.\nDid you mean: Zeta Libra Online (ZL-1)?");
  });

  it("several matches: the modal asks which one", async () => {
    await createClient(bot.db, { name: "Twin Alpha", ref: "TW-A" });
    await createClient(bot.db, { name: "Twin Beta", ref: "TW-B" });
    await createClient(bot.db, { name: "Twin Gamma (gone)", ref: "TW-G" });
    await bot.db.client.update({ where: { ref: "TW-G" }, data: { status: "inactive" } });
    await bot.command(REQUESTER, "twin");
    const modal = bot.lastModal();
    expect(modal.blocks.find((b) => b.block_id === B.client)).toMatchObject({ element: { type: "external_select", action_id: A.client } });
    // The picker searches the ledger as the user types; inactive clients are not offered.
    const suggestion = { type: "block_suggestion", user: { id: REQUESTER }, team: { id: "T0TEAM" }, api_app_id: "A0APP", action_id: A.client, block_id: B.client, value: "twin", view: { id: "V1", callback_id: Ids.view.deactivate } };
    const options = await bot.send(`payload=${encodeURIComponent(JSON.stringify(suggestion))}`);
    expect((JSON.parse(options.body) as { options: { value: string }[] }).options.map((o) => o.value)).toEqual(["TW-A", "TW-B"]);
    const missing = await bot.submit(REQUESTER, modal, formValues({ kind: "voluntary", reason: "r" }));
    expect(missing.answer).toEqual({ response_action: "errors", errors: { [B.client]: "Pick a client." } });
    const { answer } = await bot.submit(REQUESTER, modal, formValues({ kind: "voluntary", reason: "r", client: "TW-B" }));
    expect(answer).toBeNull();
    expect(await bot.db.deactivationRequest.count({ where: { client: { ref: "TW-B" } } })).toBe(1);
  });

  it("a second request for the same client is refused, naming the first", async () => {
    const client = await createClient(bot.db, { name: "Only Once" });
    const first = await bot.openByForm(REQUESTER, client, OPEN);
    await bot.command(STRANGER, client.ref);
    expect(shownInModal()).toBe(`Only Once already has an open request: #${first.number} (collecting checks).`);
    // A form opened before the first request existed is refused on submit, on the client field.
    const again = await bot.submit(STRANGER, { callback_id: Ids.view.deactivate, private_metadata: JSON.stringify({ fixedClientRef: client.ref }) }, formValues({ kind: "voluntary", reason: "dup" }));
    expect(again.answer).toEqual({ response_action: "errors", errors: { [B.client]: `This client already has an open request (#${first.number}).` } });
    expect(await bot.db.deactivationRequest.count({ where: { clientId: client.id } })).toBe(1);
  });

  it("an invalid form creates nothing and says which fields", async () => {
    const client = await createClient(bot.db, { name: "Form Errors" });
    await bot.command(REQUESTER, client.ref);
    const modal = bot.lastModal();
    const { answer } = await bot.submit(REQUESTER, modal, formValues({ reason: "", requestedOn: "2026-08-10" }));
    expect(answer).toEqual({ response_action: "errors", errors: { [B.kind]: "Please fill this in.", [B.reason]: "Please fill this in." } });
    const future = await bot.submit(REQUESTER, modal, formValues({ kind: "voluntary", reason: "r", requestedOn: "2026-08-10" }));
    expect(future.answer).toEqual({ response_action: "errors", errors: { [B.requestedOn]: "The requested date must be a date no later than today (2026-08-09)." } });
    expect(await bot.db.deactivationRequest.count({ where: { clientId: client.id } })).toBe(0);
  });
});

describe("requests Slack did not sign, and forged buttons", () => {
  it.each([
    { name: "a wrong signature", options: { secret: "0000" } },
    { name: "a stale timestamp", options: { timestamp: Math.floor(Date.now() / 1000) - 600 } },
  ])("$name gets 401 and changes nothing", async ({ options }) => {
    const body = new URLSearchParams({ command: "/deactivate", text: "help", user_id: REQUESTER, trigger_id: "t", channel_id: "C1" }).toString();
    expect((await bot.send(body, options)).status).toBe(401);
  });

  it.each([
    { action: A.approve, value: "not-a-uuid" },
    { action: A.tick, value: "{broken json" },
    { action: A.tick, value: JSON.stringify({ r: "00000000-0000-4000-8000-000000000000", c: "../etc" }) },
  ])("a forged $action value is refused plainly, and kept on the audit trail", async ({ action, value }) => {
    const before = await bot.db.auditEvent.count();
    const { responseId } = await bot.click(MANAGER_A, action, value);
    expect(bot.responseTo(responseId)?.text).toMatch(/not valid any more\. Nothing was changed/);
    const events = await bot.db.auditEvent.findMany({ where: { seq: { gt: BigInt(before) } } });
    expect(events).toMatchObject([{ actor: MANAGER_A, action: "interaction.refused", data: { reason: "malformed", actionId: action, value } }]);
  });

  it("a command longer than any client name is refused plainly; a body Slack would never send gets 400", async () => {
    const { responseId } = await bot.command(REQUESTER, "x".repeat(600));
    expect(bot.responseTo(responseId)?.text).toBe("That is longer than any client name or reference (at most 500 characters). Nothing was changed.");
    const noUser = { type: "block_actions", actions: [{ action_id: A.approve, value: "x" }] };
    expect((await bot.send(`payload=${encodeURIComponent(JSON.stringify(noUser))}`)).status).toBe(400);
    expect((await bot.send("payload=0")).status).toBe(400);
  });

  it("a well-formed id of a request that does not exist is refused and audited", async () => {
    const { responseId } = await bot.click(MANAGER_A, A.approve, "00000000-0000-4000-8000-000000000000");
    expect(bot.responseTo(responseId)?.text).toBe("That request does not exist.");
    expect(await bot.db.auditEvent.findFirst({ orderBy: { seq: "desc" } })).toMatchObject({
      actor: MANAGER_A,
      action: "request.refused",
      requestId: null,
      data: { code: "REQUEST.NOT_FOUND", claimedId: "00000000-0000-4000-8000-000000000000" },
    });
  });

  it("a closed request's button replayed, or a check it does not have, is refused and audited", async () => {
    const client = await createClient(bot.db, { name: "Replay Co" });
    const request = await bot.openByForm(REQUESTER, client, OPEN);
    const unknownCheck = await bot.click(REQUESTER, A.tick, JSON.stringify({ r: request.id, c: "no_such_check" }));
    expect(bot.responseTo(unknownCheck.responseId)?.text).toBe("That check is not part of this request.");
    await bot.click(REQUESTER, A.withdraw, request.id);
    const replay = await bot.click(MANAGER_A, A.approve, request.id);
    expect(bot.responseTo(replay.responseId)?.text).toBe("This request is closed (withdrawn): nothing can change it any more.");
    const refused = await bot.db.auditEvent.findMany({ where: { requestId: request.id, action: "request.refused" }, orderBy: { seq: "asc" } });
    expect(refused.map((e) => [e.actor, (e.data as { code: string }).code])).toEqual([
      [REQUESTER, "CHECK.UNKNOWN"],
      [MANAGER_A, "REQUEST.CLOSED"],
    ]);
    expect(await verifyAudit(bot.db)).toMatchObject({ ok: true });
  });
});

describe("more refusals and failures", () => {
  it("a manager who opened a request cannot approve it; another manager can", async () => {
    const client = await createClient(bot.db, { name: "Self Service" });
    await bot.command(MANAGER_A, client.ref);
    await bot.submit(MANAGER_A, bot.lastModal(), formValues({ kind: "voluntary", reason: "Manager's own client" }));
    const request = await bot.db.deactivationRequest.findFirstOrThrow({ where: { clientId: client.id } });
    const self = await bot.click(MANAGER_A, A.approve, request.id);
    expect(bot.responseTo(self.responseId)?.text).toBe("You opened this request, so you cannot approve it yourself.");
    expect(await bot.db.auditEvent.findFirst({ where: { requestId: request.id, action: "request.refused" } })).toMatchObject({ actor: MANAGER_A, data: { code: "APPROVAL.SELF_APPROVAL" } });
    await bot.click(MANAGER_B, A.approve, request.id);
    expect(await bot.db.approval.findMany({ where: { requestId: request.id }, select: { approverId: true } })).toEqual([{ approverId: MANAGER_B }]);
  });

  it("withdraw: refused for someone else, done by the requester, and the card closes", async () => {
    const client = await createClient(bot.db, { name: "Changed Mind" });
    const request = await bot.openByForm(REQUESTER, client, OPEN);
    const stranger = await bot.click(STRANGER, A.withdraw, request.id);
    expect(bot.responseTo(stranger.responseId)?.text).toBe("Only the requester or an approver can withdraw this request.");
    bot.fake.clear();
    await bot.click(REQUESTER, A.withdraw, request.id);
    expect(readable(lastCard("C0REQUESTS").blocks)).toMatch(/Withdrawn by <@U0REQUESTER> on/);
    expect(buttons(lastCard("C0REQUESTS").blocks)).toEqual([]);
    expect(buttons(lastCard("C0MANAGERS").blocks)).toEqual([]);
    expect(threadLines()).toEqual(["<@U0REQUESTER> withdrew the request."]);
    expect(await bot.db.deactivationRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({ state: "withdrawn", liveClientId: null });
  });

  it("an action that fails is said in the thread and to the clicker; Execute again finishes without repeating", async () => {
    const client = await createClient(bot.db, { name: "Flaky Ledger" });
    await bot.command(REQUESTER, client.ref);
    await bot.submit(REQUESTER, bot.lastModal(), formValues({ kind: "toggle", reason: "Plain toggle" }));
    const request = await bot.db.deactivationRequest.findFirstOrThrow({ where: { clientId: client.id } });
    const ledger = bot.slack.deps.services.sor;
    const original = ledger.inactivateClient.bind(ledger);
    let calls = 0;
    ledger.inactivateClient = async (ref, context) => {
      calls += 1;
      if (calls === 1) throw new Error("billing system timed out");
      return original(ref, context);
    };
    try {
      bot.fake.clear();
      const first = await bot.click(REQUESTER, A.execute, request.id);
      expect(bot.responseTo(first.responseId)?.text).toBe("Execution stopped: inactivate the client failed (billing system timed out). Press Execute again to retry.");
      expect(threadLines()).toContain(":warning: Failed: inactivate the client — billing system timed out. The request stays ready; press Execute again to retry (what is done is not repeated).");
      expect(buttons((await bot.card(request.id)).blocks)).toContain(A.execute);
      await bot.click(REQUESTER, A.execute, request.id);
      expect(readable(lastCard("C0REQUESTS").blocks)).toMatch(/Inactivated by <@U0REQUESTER>/);
      expect(calls).toBe(2);
    } finally {
      ledger.inactivateClient = original;
    }
  });
});
