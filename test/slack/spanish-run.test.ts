import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ids } from "../../src/slack/ids.ts";
import { createClient } from "../support/ledger-data.ts";
import { MANAGER_A, REQUESTER, testPolicy } from "../support/policy.ts";
import { buttons, readable, TestBot } from "../support/slack-bot.ts";

const bot = new TestBot(testPolicy({ language: "es" }));
beforeAll(async () => {
  await bot.start();
  bot.fake.locales.set(REQUESTER, "es-LA");
  bot.fake.locales.set(MANAGER_A, "pt-BR");
});
afterAll(() => bot.stop());

const A = Ids.action;
const B = Ids.block;

describe("a full run in Spanish", () => {
  it("speaks Spanish in the modal, the cards, the thread and the refusals; Portuguese to a Portuguese-speaking manager", async () => {
    const client = await createClient(bot.db, { name: "Panadería Núñez", ref: "PN-7" });
    await bot.command(REQUESTER, "panaderia nunez");
    const modal = bot.lastModal();
    expect(modal.title.text).toBe("Dar de baja un cliente");
    expect(readable(modal.blocks)).toContain("Tipo de baja");

    const { answer } = await bot.submit(REQUESTER, modal, {
      [B.kind]: { [A.kind]: { selected_option: { value: "voluntary" } } },
      [B.reason]: { [A.reason]: { value: "Cierra el local" } },
      [B.requestedOn]: { [A.requestedOn]: { selected_date: "2026-08-09" } },
    });
    expect(answer).toBeNull();
    const request = await bot.db.deactivationRequest.findFirstOrThrow({ where: { clientId: client.id } });
    const card = bot.fake.called("chat.postMessage", (a) => a.channel === "C0REQUESTS" && !a.thread_ts)[0]!;
    expect(readable(card.blocks)).toMatch(/Solicitud de baja #\d+: Panadería Núñez/);
    expect(readable(card.blocks)).toContain("Reuniendo verificaciones");
    expect(readable(card.blocks)).toContain("9 ago 2026");

    const early = await bot.click(REQUESTER, A.execute, request.id);
    expect(String(bot.responseTo(early.responseId)?.text)).toMatch(/^Todavía no: “Written request”, “Phone call”, 0 de 1 aprobaciones\.$/);

    await bot.click(REQUESTER, A.tick, JSON.stringify({ r: request.id, c: "phone_call" }));
    const threads = bot.fake.called("chat.postMessage", (a) => Boolean(a.thread_ts)).map((a) => String(a.text));
    expect(threads).toContain("<@U0REQUESTER> marcó *Phone call*.");

    // The manager reads Portuguese in what is said to them alone; the channel card stays in Spanish.
    await bot.click(MANAGER_A, A.reject, request.id);
    const form = bot.lastModal();
    expect(form.title.text).toBe("Recusar pedido");
    await bot.submit(MANAGER_A, form, { [B.rejectReason]: { [A.rejectReason]: { value: "Deuda pendiente" } } });
    const approval = bot.fake.calls.filter((c) => c.method === "chat.update" && c.args.channel === "C0MANAGERS").at(-1)!.args;
    expect(readable(approval.blocks)).toMatch(/Rechazada por <@U0MANAGERA> el .*: Deuda pendiente/);
    expect(buttons(approval.blocks)).toEqual([]);
    expect(bot.fake.called("chat.postMessage", (a) => a.channel === REQUESTER).at(-1)).toMatchObject({ text: expect.stringMatching(/^Su solicitud #\d+ \(Panadería Núñez\) fue rechazada por <@U0MANAGERA>: Deuda pendiente$/) });
  });
});
