import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { policySchema } from "../../src/config/policy-schema.ts";
import { Ids } from "../../src/slack/ids.ts";
import { createClient } from "../support/ledger-data.ts";
import { MANAGER_A, REQUESTER } from "../support/policy.ts";
import { buttons, readable, TestBot } from "../support/slack-bot.ts";

// Seconds and minutes, so the ladder runs inside a test; Monday 10 August 2026, 11:00 in Montevideo.
const policy = policySchema.parse({
  version: 1,
  timezone: "America/Montevideo",
  language: "en",
  channels: { requests: "C0REQUESTS", management: "C0MANAGERS" },
  approvers: { users: [MANAGER_A] },
  reminders: { business_hours: { days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" }, repeat_every: "1d", max_reminders: 2 },
  kinds: {
    non_payment: {
      label: "Non-payment",
      checks: [{ id: "ladder_done", label: "Collection ladder complete", automatic: "dunning_complete" }],
      actions: ["inactivate_client"],
      calendar: { service_ends: "end_of_month" },
      dunning: [
        { id: "email_1", label: "Collection email", channel: "email", after: "45s" },
        { id: "call", label: "Phone call", channel: "phone", after: "30m" },
        { id: "final", label: "Final notice", channel: "whatsapp", after: "36h", final_notice: true, template: { en: "{client}: access ends on {cutoff}." } },
      ],
    },
  },
});

const bot = new TestBot(policy);
bot.clock.set("2026-08-10T14:00:00Z");
beforeAll(() => bot.start());
afterAll(() => bot.stop());
beforeEach(() => bot.fake.clear());

const A = Ids.action;
const B = Ids.block;
const reminders = () => bot.fake.called("chat.postMessage", (a) => Boolean(a.thread_ts) && Array.isArray(a.blocks));
const threadTexts = () => bot.threadLines();
const lastCard = () => bot.fake.calls.filter((c) => (c.method === "chat.update" || (c.method === "chat.postMessage" && !c.args.thread_ts)) && c.args.channel === "C0REQUESTS").at(-1)!.args;

async function open(name: string) {
  const client = await createClient(bot.db, { name });
  const request = await bot.openByForm(REQUESTER, client, { kind: "non_payment", reason: "Three invoices unpaid, no answer", requestedOn: "2026-08-10" });
  return { client, request };
}

describe("the dunning ladder in Slack", () => {
  it("reminds in the thread when due, once; Done needs evidence; snooze moves it; the ladder gates execution; the client answering stops it", async () => {
    const { request } = await open("Moroso SA");
    expect(readable(lastCard().blocks)).toMatch(/\*Dunning\*\n:alarm_clock: \*Collection email\* \(email\) — due 10 Aug 2026, 11:00/);
    expect(readable(lastCard().blocks)).toContain("*Collection ladder complete* — 0 of 3 steps done");
    expect(await bot.db.job.count({ where: { requestId: request.id, status: "pending" } })).toBe(3);

    // Not yet due: nothing. 45 seconds later: one reminder, mentioning the requester, with its buttons.
    bot.fake.clear();
    await bot.runDueJobs();
    expect(reminders()).toHaveLength(0);
    bot.clock.advance(45_000);
    await bot.runDueJobs();
    await bot.runDueJobs();
    expect(reminders()).toHaveLength(1);
    const reminder = reminders()[0]!;
    expect(reminder.text).toMatch(/^<@U0REQUESTER> :alarm_clock: \*Collection email\* \(email\) for Moroso SA was due 10 Aug 2026, 11:00\.$/);
    expect(buttons(reminder.blocks)).toEqual([A.stepDone, A.snoozeDay, A.snoozeUntil, A.reassign, A.clientAnswered, A.clientPaid]);

    // Done asks what was sent; without it nothing changes.
    const value = JSON.stringify({ r: request.id, s: "email_1" });
    await bot.click(REQUESTER, A.stepDone, value);
    const modal = bot.lastModal();
    expect(modal.callback_id).toBe(Ids.view.stepDone);
    expect((await bot.submit(REQUESTER, modal, { [B.evidence]: { [A.evidence]: { value: "" } } })).answer).toMatchObject({ response_action: "errors" });
    bot.fake.clear();
    await bot.submit(REQUESTER, modal, { [B.evidence]: { [A.evidence]: { value: "https://mail.example/collection-1" } } });
    expect(threadTexts()).toContain("<@U0REQUESTER> did *Collection email*. Evidence: https://mail.example/collection-1");
    expect(readable(lastCard().blocks)).toMatch(/:white_check_mark: \*Collection email\* \(email\) — <@U0REQUESTER>/);
    expect(readable(lastCard().blocks)).toContain("1 of 3 steps done");

    // A day later the done step is not reminded again.
    bot.clock.advance(86_400_000);
    bot.fake.clear();
    await bot.runDueJobs();
    expect(reminders().map((r) => String(r.text))).not.toContainEqual(expect.stringContaining("Collection email"));

    // The call was due meanwhile: it is reminded; snoozing it moves its reminder a day on.
    expect(reminders().map((r) => String(r.text))).toEqual([expect.stringContaining("*Phone call* (phone)")]);
    bot.fake.clear();
    await bot.click(REQUESTER, A.snoozeDay, JSON.stringify({ r: request.id, s: "call" }));
    expect(threadTexts()).toEqual([expect.stringMatching(/^<@U0REQUESTER> snoozed \*Phone call\* until 12 Aug 2026, 11:00\.$/)]);
    bot.clock.advance(60 * 60_000);
    bot.fake.clear();
    await bot.runDueJobs();
    expect(reminders()).toHaveLength(0);

    // Or until a chosen day, reminded when business hours start: not the past, not beyond a month.
    await bot.click(REQUESTER, A.snoozeUntil, JSON.stringify({ r: request.id, s: "call" }));
    const snooze = bot.lastModal();
    expect(snooze.callback_id).toBe(Ids.view.snooze);
    expect(snooze.blocks.find((b) => b.block_id === Ids.block.snoozeDate)).toMatchObject({ element: { initial_date: "2026-08-12" } });
    expect((await bot.submit(REQUESTER, snooze, { [Ids.block.snoozeDate]: { [Ids.action.snoozeDate]: { selected_date: "2026-08-01" } } })).answer).toMatchObject({ errors: { [Ids.block.snoozeDate]: "Snooze to a moment in the next 31 days." } });
    bot.fake.clear();
    await bot.submit(REQUESTER, snooze, { [Ids.block.snoozeDate]: { [Ids.action.snoozeDate]: { selected_date: "2026-08-15" } } });
    // 15 August 2026 is a Saturday: the reminder waits for Monday 09:00.
    expect(threadTexts()).toEqual(["<@U0REQUESTER> snoozed *Phone call* until 17 Aug 2026, 09:00."]);

    // The call goes to a colleague: from now on the reminders mention them.
    await bot.click(REQUESTER, A.reassign, JSON.stringify({ r: request.id, s: "call" }));
    const reassign = bot.lastModal();
    expect(reassign.blocks.find((b) => b.block_id === Ids.block.newOwner)).toMatchObject({ element: { type: "users_select", initial_user: REQUESTER } });
    bot.fake.clear();
    await bot.submit(REQUESTER, reassign, { [Ids.block.newOwner]: { [Ids.action.newOwner]: { selected_user: "U0COLLEAGUE" } } });
    expect(threadTexts()).toEqual(["<@U0REQUESTER> gave *Phone call* to <@U0COLLEAGUE>."]);
    bot.clock.set("2026-08-17T12:30:00Z");
    bot.fake.clear();
    await bot.runDueJobs();
    // (The final notice falls due by then too; it stays with the requester.)
    const texts = reminders().map((r) => String(r.text));
    expect(texts.filter((t) => t.includes("*Phone call*"))).toEqual([expect.stringMatching(/^<@U0COLLEAGUE> :alarm_clock: Reminder 2: \*Phone call\*/)]);
    expect(texts.filter((t) => t.includes("*Final notice*"))).toEqual([expect.stringMatching(/^<@U0REQUESTER> /)]);

    // Execute is refused while the ladder is not done.
    const early = await bot.click(REQUESTER, A.execute, request.id);
    expect(bot.responseTo(early.responseId)?.text).toBe("Not yet: “Collection ladder complete”.");

    // The client answers: the ladder stops, the card says so, no more reminders.
    bot.fake.clear();
    await bot.click(REQUESTER, A.clientAnswered, JSON.stringify({ r: request.id, s: "call" }));
    expect(threadTexts()).toContain("<@U0REQUESTER>: the client answered. The dunning ladder stopped.");
    expect(readable(lastCard().blocks)).toMatch(/The client answered \(<@U0REQUESTER>, .*\): the ladder stopped\./);
    bot.clock.advance(7 * 86_400_000);
    bot.fake.clear();
    await bot.runDueJobs();
    expect(reminders()).toHaveLength(0);
    const late = await bot.click(REQUESTER, A.stepDone, JSON.stringify({ r: request.id, s: "call" }));
    await bot.submit(REQUESTER, bot.lastModal(), { [B.evidence]: { [A.evidence]: { value: "called" } } }).then(({ answer }) => {
      expect(answer).toMatchObject({ errors: { [B.evidence]: "The dunning ladder has stopped: the client answered or paid." } });
    });
    void late;
  });

  it("reminders wait for business hours, the final notice carries its template and cut-off date, and repeated reminders call in the approvers", async () => {
    bot.clock.set("2026-08-14T14:00:00Z"); // Friday 11:00 local
    const { request } = await open("Weekend Ltd");
    for (const stepId of ["email_1", "call"]) {
      await bot.db.ladderStep.update({ where: { requestId_stepId: { requestId: request.id, stepId } }, data: { doneAt: bot.clock.now(), doneBy: REQUESTER, evidence: "done" } });
    }
    // The final notice is due Saturday 23:00 local: it waits for Monday 09:00.
    bot.clock.set("2026-08-16T12:00:00Z"); // Sunday
    bot.fake.clear();
    await bot.runDueJobs();
    expect(reminders()).toHaveLength(0);
    bot.clock.set("2026-08-17T12:00:00Z"); // Monday 09:00 local
    await bot.runDueJobs();
    const final = String(readable(reminders()[0]!.blocks));
    expect(final).toContain("This is the final notice: access ends on 31 Aug 2026. Message to send:");
    expect(final).toContain("> Weekend Ltd: access ends on 31 Aug 2026.");

    // Reminded again each business day; past the limit (2), the approvers are mentioned.
    for (const day of ["2026-08-18T12:00:00Z", "2026-08-19T12:00:00Z"]) {
      bot.clock.set(day);
      await bot.runDueJobs();
    }
    const texts = reminders().map((r) => readable(r.blocks));
    expect(texts).toHaveLength(3);
    expect(texts[1]).toContain("Reminder 2:");
    expect(texts[1]).not.toContain("<@U0MANAGERA>");
    expect(texts[2]).toContain("<@U0MANAGERA>: reminded 2 times without being done.");
    expect(await bot.db.auditEvent.count({ where: { requestId: request.id, action: "dunning.reminded" } })).toBe(3);
  });

  it("many reminders due at once in the channel become one digest instead of a burst of thread replies", async () => {
    bot.clock.set("2026-08-24T14:00:00Z"); // Monday 11:00 local
    const opened = [];
    for (const name of ["Uno", "Dos", "Tres", "Cuatro", "Cinco"]) opened.push(await open(`Digest ${name}`));
    bot.clock.advance(45_000);
    bot.fake.clear();
    await bot.runDueJobs();
    expect(reminders()).toHaveLength(0);
    const digests = bot.fake.called("chat.postMessage", (a) => a.channel === "C0REQUESTS" && !a.thread_ts);
    expect(digests).toHaveLength(1);
    // Steps of earlier tests still undone are due again too: the digest holds them all.
    const text = readable(digests[0]!.blocks);
    const count = Number(/\*:alarm_clock: (\d+) dunning steps are due\*/.exec(text)?.[1]);
    expect(count).toBeGreaterThanOrEqual(5);
    expect(buttons(digests[0]!.blocks)).toEqual(Array(count).fill(A.stepDone));
    for (const name of ["Uno", "Dos", "Tres", "Cuatro", "Cinco"]) {
      expect(text).toMatch(new RegExp(`<@U0REQUESTER> \\*Collection email\\* \\(email\\) — Digest ${name}, request #\\d+, due 24 Aug 2026, 11:00`));
    }
    for (const { request } of opened) {
      expect(await bot.db.ladderStep.findUniqueOrThrow({ where: { requestId_stepId: { requestId: request.id, stepId: "email_1" } } })).toMatchObject({ reminders: 1 });
    }
  });
});
