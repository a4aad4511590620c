import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { localDate } from "../../src/domain/calendar.ts";
import { ManualClock } from "../../src/services/clock.ts";
import { Ids } from "../../src/slack/ids.ts";
import { addInvoice, createClient } from "../support/ledger-data.ts";
import { REQUESTER } from "../support/policy.ts";
import { readable, TestBot } from "../support/slack-bot.ts";
import { markStepDone, seedPolicy, tick } from "./support.ts";

// Seed 002 (ZetaLIBRA Online), policies/002-zetalibra.policy.yml.
const policy = await seedPolicy("002-zetalibra");
const TZ = policy.timezone;
const MANAGER = policy.approvers.users[0]!;
const bot = new TestBot(policy, new ManualClock(new Date("2026-08-09T15:00:00Z")));
beforeAll(() => bot.start());
afterAll(() => bot.stop());
beforeEach(() => bot.fake.clear());

const A = Ids.action;
const shortDate = (iso: string) => new Intl.DateTimeFormat("es", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`));
const jobDay = async (requestId: string, kind: string) => {
  const job = await bot.db.job.findFirst({ where: { requestId, kind, status: { in: ["pending", "done"] } }, orderBy: { runAt: "desc" } });
  return job ? localDate(job.runAt, TZ) : null;
};

/** A voluntary request with its two manual checks ticked, as the team would. */
async function voluntary(name: string, requestedOn: string) {
  const client = await createClient(bot.db, { name });
  const request = await bot.openByForm(REQUESTER, client, { kind: "baja_voluntaria", reason: "Cierra la empresa", requestedOn });
  await tick(bot, REQUESTER, request.id, "correo_responsable", "https://mail.example/baja");
  await tick(bot, REQUESTER, request.id, "llamada_confirmacion", "Confirmado con la contadora; motivo: cierre");
  return { client, request };
}

async function reactivate(ref: string): Promise<string> {
  await bot.command(REQUESTER, ref, "/reactivate");
  // The modal opened at once shows the confirmation, or why there is none.
  const shown = bot.fake.called("views.update").at(-1)!.view as { callback_id?: string; blocks: unknown };
  if (shown.callback_id !== Ids.view.reactivate) return readable(shown.blocks);
  const { answer } = await bot.submit(REQUESTER, bot.lastModal(), {});
  return readable((answer as { view?: { blocks?: unknown } } | null)?.view?.blocks);
}

describe("seed 002: ZetaLIBRA", () => {
  it("asked on the 9th vs the 11th: service ends in different months, data is deleted a month after, and the card says so", async () => {
    const ninth = await voluntary("Estudio Nueve", "2026-08-09");
    bot.clock.set("2026-08-11T15:00:00Z");
    const eleventh = await voluntary("Estudio Once", "2026-08-11");
    // Ready, but the service runs to the end of the month: the inactivation is scheduled for then.
    expect(await jobDay(ninth.request.id, "request.execute")).toBe("2026-09-01");
    expect(await jobDay(eleventh.request.id, "request.execute")).toBe("2026-10-01");
    expect(readable((await bot.card(ninth.request.id)).blocks)).toContain(shortDate("2026-08-31"));
    expect(readable((await bot.card(eleventh.request.id)).blocks)).toContain(shortDate("2026-09-30"));

    bot.clock.set("2026-09-01T03:00:00Z"); // 1 Sep, 00:00 in Montevideo
    await bot.runDueJobs();
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: ninth.client.id } })).status).toBe("inactive");
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: eleventh.client.id } })).status).toBe("active");
    expect(await jobDay(ninth.request.id, "data.delete")).toBe("2026-09-30");

    bot.clock.set("2026-10-01T03:00:00Z");
    await bot.runDueJobs();
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: eleventh.client.id } })).status).toBe("inactive");
    expect(await jobDay(eleventh.request.id, "data.delete")).toBe("2026-10-31");
    // 30 September has passed, but nobody settled the paid backup: the data waits, and the card says why.
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: ninth.client.id } })).dataDeletedAt).toBeNull();
    expect(readable((await bot.card(ninth.request.id)).blocks)).toContain("Respaldo pago entregado (o el cliente no lo pidió)");
  });

  it("within the window, reactivating needs the month paid, and cancels the deletion", async () => {
    bot.clock.set("2026-08-09T15:00:00Z");
    const { client, request } = await voluntary("Comercial Vuelve", "2026-08-09");
    bot.clock.set("2026-09-01T03:00:00Z");
    await bot.runDueJobs();
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("inactive");

    // September's fee is unpaid: "deberá abonar de inmediato la cuota del mes".
    bot.clock.set("2026-09-10T15:00:00Z");
    await addInvoice(bot.db, client.id, "F-SET", 3900n);
    expect(await reactivate(client.ref)).toBe("Reactivation needs everything paid first. Unpaid invoices: F-SET.");
    await bot.db.invoice.updateMany({ where: { clientId: client.id }, data: { status: "paid" } });
    expect(await reactivate(client.ref)).toContain("is active again");
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("active");
    expect(await bot.db.job.count({ where: { requestId: request.id, kind: "data.delete", status: "pending" } })).toBe(0);
  });

  /** A non-payment request taken to execution: three unpaid invoices, the notices done, approved. */
  async function nonPayment(name: string, creditNotes: boolean) {
    bot.clock.set("2026-08-09T15:00:00Z");
    const client = await createClient(bot.db, { name });
    for (const n of ["F-1", "F-2", "F-3"]) await addInvoice(bot.db, client.id, n, 3900n);
    const request = await bot.openByForm(REQUESTER, client, { kind: "falta_de_pago", reason: "Tres facturas impagas", requestedOn: "2026-08-09" });
    await tick(bot, REQUESTER, request.id, "tres_facturas_impagas", "F-1, F-2, F-3");
    if (creditNotes) await tick(bot, REQUESTER, request.id, "notas_credito", "NC-10, NC-11, NC-12");
    for (const step of ["reclamo_1", "reclamo_2", "aviso_baja"]) await markStepDone(bot, REQUESTER, request.id, step, `https://mail.example/${step}`);
    await bot.click(MANAGER, A.approve, request.id);
    bot.clock.set("2026-09-01T03:00:00Z");
    await bot.runDueJobs();
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("inactive");
    return { client, request };
  }

  it("non-payment: the debt goes to collections, unless credit notes were issued", async () => {
    const sent = await nonPayment("Moroso Al Clearing", false);
    const invoices = await bot.db.invoice.findMany({ where: { clientId: sent.client.id }, orderBy: { number: "asc" } });
    expect(invoices.map((i) => [i.number, i.onHold, i.sentToCollectionsAt !== null])).toEqual([["F-1", true, true], ["F-2", true, true], ["F-3", true, true]]);

    const forgiven = await nonPayment("Moroso Con Notas", true);
    expect(await bot.db.invoice.count({ where: { clientId: forgiven.client.id, sentToCollectionsAt: { not: null } } })).toBe(0);
    expect(await bot.db.executionStep.findFirstOrThrow({ where: { requestId: forgiven.request.id, action: "send_to_collections" } })).toMatchObject({ status: "done", result: { skipped: true, because: "notas_credito" } });
  });

  it("non-payment: after the data is deleted, reactivation is refused with the terms of a new start", async () => {
    const { client } = await nonPayment("Moroso Definitivo", false);
    expect(await bot.db.invoice.count({ where: { clientId: client.id, onHold: true } })).toBe(3);

    // Before deletion: only with the debts paid.
    bot.clock.set("2026-09-15T15:00:00Z");
    expect(await reactivate(client.ref)).toBe("Reactivation needs everything paid first. Unpaid invoices: F-1, F-2, F-3.");

    // The data is deleted on 30 September; from then on, only from zero.
    bot.clock.set("2026-09-30T12:00:00Z");
    await bot.runDueJobs();
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).dataDeletedAt).not.toBeNull();
    expect(await reactivate(client.ref)).toBe(
      "This client's data was already deleted: it cannot be reactivated, only start again from zero. Terms: pay what is still owed (invoices: F-1, F-2, F-3), open a new account, and pay 3 months in advance.",
    );
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("inactive");
  });

});
