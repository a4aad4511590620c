import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ids } from "../../src/slack/ids.ts";
import { addInvoice, createClient } from "../support/ledger-data.ts";
import { REQUESTER } from "../support/policy.ts";
import { buttons, readable, TestBot } from "../support/slack-bot.ts";
import { seedPolicy } from "./support.ts";

// Seed 003 (Teamleader Focus), policies/003-teamleader.policy.yml.
const policy = await seedPolicy("003-teamleader");
const MANAGER = policy.approvers.users[0]!;
const bot = new TestBot(policy);
beforeAll(() => bot.start());
afterAll(() => bot.stop());

describe("seed 003: deactivating a company in a CRM", () => {
  it("invoices go on hold and subscriptions are cancelled (said irreversible before); after reactivation invoices stay on hold and subscriptions stay cancelled", async () => {
    const client = await createClient(bot.db, { name: "Empresa Boost" });
    await addInvoice(bot.db, client.id, "2026/0042", 12100n);
    await bot.db.subscription.create({ data: { clientId: client.id, plan: "Boost" } });
    const request = await bot.openByForm(REQUESTER, client, { kind: "desactivar_facturas_suscripciones", reason: "Cierre de la colaboración", requestedOn: "2026-08-09" });

    // The Execute button's confirmation says what is irreversible before anyone presses it.
    const card = await bot.card(request.id);
    expect(JSON.stringify(card.blocks)).toContain("cancelar las suscripciones (irreversible)");

    await bot.click(REQUESTER, Ids.action.execute, request.id);
    expect(await bot.db.invoice.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ onHold: true, heldBy: REQUESTER });
    expect(await bot.db.subscription.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ status: "cancelled" });
    // Who deactivated and when is shown.
    expect(readable((await bot.card(request.id)).blocks)).toMatch(/Inactivad[oa] por <@U0REQUESTER> el \d/);

    await bot.command(REQUESTER, client.ref, "/reactivate");
    const confirm = readable(bot.lastModal().blocks);
    expect(confirm).toContain("Invoices put on hold when it was deactivated stay on hold");
    expect(confirm).toContain("Subscriptions cancelled when it was deactivated stay cancelled");
    await bot.submit(REQUESTER, bot.lastModal(), {});
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("active");
    expect(await bot.db.invoice.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ onHold: true });
    expect(await bot.db.subscription.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ status: "cancelled" });
    expect(bot.threadLines().at(-1)).toMatch(/reactivó a Empresa Boost.*siguen en espera.*siguen canceladas/);

    // "...tendrás que marcarlas manualmente": the card offers it, to approvers only.
    expect(buttons((await bot.card(request.id)).blocks)).toContain(Ids.action.releaseInvoices);
    const notAllowed = await bot.click(REQUESTER, Ids.action.releaseInvoices, request.id);
    expect(bot.responseTo(notAllowed.responseId)?.text).toBe("Only the approvers named in the policy can take invoices off hold.");
    expect(await bot.db.invoice.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ onHold: true });
    await bot.click(MANAGER, Ids.action.releaseInvoices, request.id);
    expect(await bot.db.invoice.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ onHold: false });
    expect(bot.threadLines().at(-1)).toBe(`:arrow_forward: <@${MANAGER}> quitó las facturas de espera: 2026/0042. Sus recordatorios vuelven a funcionar.`);
    expect(buttons((await bot.card(request.id)).blocks)).not.toContain(Ids.action.releaseInvoices);
    expect(await bot.db.subscription.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ status: "cancelled" });
  });

  it("the plain kind leaves invoices and subscriptions alone", async () => {
    const client = await createClient(bot.db, { name: "Empresa Simple" });
    await addInvoice(bot.db, client.id, "2026/0043", 5000n);
    await bot.db.subscription.create({ data: { clientId: client.id, plan: "Go" } });
    const request = await bot.openByForm(REQUESTER, client, { kind: "desactivar", reason: "Fin del contrato", requestedOn: "2026-08-09" });
    await bot.click(REQUESTER, Ids.action.execute, request.id);
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("inactive");
    expect(await bot.db.invoice.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ onHold: false });
    expect(await bot.db.subscription.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ status: "active" });
  });
});
