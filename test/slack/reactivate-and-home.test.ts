import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Ids } from "../../src/slack/ids.ts";
import { openRequest } from "../../src/services/requests.ts";
import { executeRequest } from "../../src/services/execution.ts";
import { addInvoice, createClient } from "../support/ledger-data.ts";
import { MANAGER_A, REQUESTER, testPolicy } from "../support/policy.ts";
import { readable, TestBot } from "../support/slack-bot.ts";

const bot = new TestBot(testPolicy({ language: "en" }));
beforeAll(() => bot.start());
afterAll(() => bot.stop());
beforeEach(() => bot.fake.clear());

/** A client inactivated through a kind that holds invoices and cancels subscriptions (seed 003). */
async function inactivated(name: string) {
  const client = await createClient(bot.db, { name });
  await addInvoice(bot.db, client.id, "F-9", 700n);
  await bot.db.subscription.create({ data: { clientId: client.id, plan: "Boost" } });
  const services = bot.slack.deps.services;
  const opened = await openRequest(services, { clientRef: client.ref, kind: "on_hold", requestedBy: REQUESTER, reason: "Out of business" });
  if (!opened.ok) throw new Error(opened.error.code);
  await bot.slack.deps.publisher.publish(opened.request.id);
  expect(await executeRequest(services, opened.request.id, REQUESTER)).toMatchObject({ ok: true });
  await bot.slack.deps.publisher.publish(opened.request.id);
  return { client, request: opened.request };
}

describe("/reactivate", () => {
  it("confirms what stays as it is, reactivates, and says so in the original request's thread", async () => {
    const { client } = await inactivated("Comeback Co");
    bot.fake.clear();
    await bot.command(MANAGER_A, client.ref, "/reactivate");
    const modal = bot.lastModal();
    expect(modal.callback_id).toBe(Ids.view.reactivate);
    const text = readable(modal.blocks);
    expect(text).toContain("Reactivate *Comeback Co*");
    expect(text).toContain("Invoices put on hold when it was deactivated stay on hold");
    expect(text).toContain("Subscriptions cancelled when it was deactivated stay cancelled");

    const { answer } = await bot.submit(MANAGER_A, modal, {});
    expect(answer).toMatchObject({ response_action: "update", view: { blocks: [{ text: { text: ":white_check_mark: *Comeback Co* is active again." } }] } });
    expect(await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).toMatchObject({ status: "active", reactivatedBy: MANAGER_A });
    expect(await bot.db.invoice.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ onHold: true });
    expect(await bot.db.subscription.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ status: "cancelled" });
    const thread = bot.fake.called("chat.postMessage", (a) => Boolean(a.thread_ts)).map((a) => String(a.text));
    expect(thread).toEqual([":arrows_counterclockwise: <@U0MANAGERA> reactivated Comeback Co. Invoices put on hold stay on hold until someone releases them. Cancelled subscriptions stay cancelled."]);
    const card = bot.fake.called("chat.update", (a) => a.channel === "C0REQUESTS").at(-1)!;
    expect(readable(card.blocks)).toMatch(/Reactivated by <@U0MANAGERA> on/);

    // Submitting the same confirmation again changes nothing.
    const again = await bot.submit(MANAGER_A, modal, {});
    expect(again.answer).toMatchObject({ view: { blocks: [{ text: { text: "That client is already active." } }] } });
    expect(await bot.db.auditEvent.count({ where: { clientId: client.id, action: "client.reactivated" } })).toBe(1);
  });

  it("answers plainly when nothing inactive matches", async () => {
    const active = await createClient(bot.db, { name: "Still Active" });
    await bot.command(MANAGER_A, active.ref, "/reactivate");
    // Said in the modal that opened at once while the search ran.
    expect(readable((bot.fake.called("views.update").at(-1)!.view as { blocks: unknown }).blocks)).toBe(`No inactive client matches “${active.ref}”.`);
  });
});

describe("App Home", () => {
  it("lists my requests, what waits for my approval, my pending checks, and recent inactivations", async () => {
    const pending = await createClient(bot.db, { name: "Pending Pizza" });
    const opened = await openRequest(bot.slack.deps.services, { clientRef: pending.ref, kind: "voluntary", requestedBy: REQUESTER, reason: "r" });
    expect(opened.ok).toBe(true);
    await inactivated("Gone Gelato");

    expect(await bot.event({ type: "app_home_opened", user: REQUESTER, tab: "home" })).toBe(200);
    const mine = readable(bot.fake.called("views.publish").at(-1)!.view);
    expect(mine).toMatch(/\*Requests you opened\*\n#\d+ Pending Pizza — collecting checks/);
    expect(mine).toMatch(/\*Checks waiting on you\*\n#\d+ Pending Pizza: Written request\n#\d+ Pending Pizza: Phone call/);
    expect(mine).toMatch(/\*Waiting for your approval\*\n_Nothing here._/);
    expect(mine).toMatch(/Gone Gelato \(T-[\d-]+\) — 9 Aug 2026, 11:00, <@U0REQUESTER>/);

    await bot.event({ type: "app_home_opened", user: MANAGER_A, tab: "home" });
    const manager = readable(bot.fake.called("views.publish").at(-1)!.view);
    expect(manager).toMatch(/\*Waiting for your approval\*\n#\d+ Pending Pizza — collecting checks/);

    await bot.click(MANAGER_A, Ids.action.listInactive, "");
    const list = bot.lastModal();
    expect(list.callback_id).toBe(Ids.view.inactiveClients);
    expect(readable(list.blocks)).toMatch(/\d+ inactive clients?; the most recent first\.[\s\S]*Gone Gelato/);
  });
});
