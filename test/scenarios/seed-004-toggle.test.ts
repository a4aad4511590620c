import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ids } from "../../src/slack/ids.ts";
import { createClient } from "../support/ledger-data.ts";
import { REQUESTER } from "../support/policy.ts";
import { buttons, readable, TestBot } from "../support/slack-bot.ts";
import { seedPolicy } from "./support.ts";

// Seed 004 (a plain Active yes/no), policies/004-ativar-inativar.policy.yml.
const policy = await seedPolicy("004-ativar-inativar");
const bot = new TestBot(policy);
beforeAll(() => bot.start());
afterAll(() => bot.stop());

describe("seed 004: a plain toggle", () => {
  it("inactivates with no checks at all, and reactivation restores the client", async () => {
    const client = await createClient(bot.db, { name: "Cliente Simples" });
    const request = await bot.openByForm(REQUESTER, client, { kind: "inativar", reason: "Pedido do cliente", requestedOn: "2026-08-09" });
    const card = await bot.card(request.id);
    expect(buttons(card.blocks)).toContain(Ids.action.execute);
    expect(buttons(card.blocks)).not.toContain(Ids.action.tick);
    expect(bot.fake.called("chat.postMessage", (a) => a.channel === policy.channels.management)).toHaveLength(0); // nothing to approve

    await bot.click(REQUESTER, Ids.action.execute, request.id);
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("inactive");
    expect(readable((await bot.card(request.id)).blocks)).toMatch(/Inativado por <@U0REQUESTER>/);

    await bot.command(REQUESTER, client.ref, "/reactivate");
    const { answer } = await bot.submit(REQUESTER, bot.lastModal(), {});
    expect(answer).toMatchObject({ response_action: "update" });
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("active");
  });
});
