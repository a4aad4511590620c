import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/services/clock.ts";
import { Ids } from "../../src/slack/ids.ts";
import { createClient } from "../support/ledger-data.ts";
import { REQUESTER } from "../support/policy.ts";
import { readable, TestBot } from "../support/slack-bot.ts";
import { markStepDone, reminders, seedPolicy, tick } from "./support.ts";

// Seed 000 (CRFUSION), policies/000-crfusion.policy.yml, end to end through Slack.
const policy = await seedPolicy("000-crfusion");
const MANAGER = policy.approvers.users[0]!;
const bot = new TestBot(policy, new ManualClock(new Date("2026-08-03T15:00:00Z"))); // Monday 09:00 in Costa Rica
beforeAll(() => bot.start());
afterAll(() => bot.stop());
beforeEach(() => bot.fake.clear());

const A = Ids.action;

describe("seed 000: CRFUSION", () => {
  it("1.4 and 5: the third party's confirmation appears only for clients served through one, the database handover only when we host it", async () => {
    const plain = await createClient(bot.db, { name: "Cliente Directo" });
    const viaThird = await createClient(bot.db, { name: "Cliente Revendido", thirdParty: true });
    const hosted = await createClient(bot.db, { name: "Cliente Alojado", hostedDatabase: true });
    const cards: Record<string, string> = {};
    for (const client of [plain, viaThird, hosted]) {
      const request = await bot.openByForm(REQUESTER, client, { kind: "solicitud_cliente", reason: "Ya no usa el sistema", requestedOn: "2026-08-03", thirdParty: "as_shown" });
      cards[client.name] = readable((await bot.card(request.id)).blocks);
    }
    for (const card of Object.values(cards)) {
      expect(card).toContain("Mensaje del cliente pidiendo la baja");
      expect(card).toContain("Sin cobros cargados en el sistema");
      expect(card).toContain("Aprobación de gerencia");
    }
    expect(cards["Cliente Directo"]).not.toContain("Confirmación final del tercero");
    expect(cards["Cliente Revendido"]).toContain("Confirmación final del tercero");
    expect(cards["Cliente Directo"]).not.toContain("Base de datos pasada a ingeniería");
    expect(cards["Cliente Alojado"]).toContain("Base de datos pasada a ingeniería y copia de seguridad guardada");
  });

  it("2: an unreachable client gets three emails, a call, then the final notice with its date, before anything is inactivated; 4: nothing is deleted", async () => {
    const client = await createClient(bot.db, { name: "Moroso Ilocalizable" });
    const request = await bot.openByForm(REQUESTER, client, { kind: "sin_respuesta", reason: "No paga ni responde", requestedOn: "2026-08-03" });
    await bot.click(MANAGER, A.approve, request.id);

    // Approved, but the ladder is not done: execution is refused.
    const early = await bot.click(REQUESTER, A.execute, request.id);
    expect(bot.responseTo(early.responseId)?.text).toMatch(/^Not yet: .*collection ladder/i);
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("active");

    // Day by day, each reminder in the thread is acted on, in the seed's order.
    const order: string[] = [];
    let finalNotice = "";
    for (let day = 0; day < 21 && order.length < 6; day++) {
      bot.clock.advance(24 * 3600_000);
      await bot.runDueJobs();
      for (const reminder of reminders(bot)) {
        if (order.includes(reminder.stepId)) continue;
        order.push(reminder.stepId);
        if (reminder.stepId === "aviso_final_whatsapp") finalNotice = readable(reminder.blocks);
        await markStepDone(bot, REQUESTER, request.id, reminder.stepId, `https://mail.example/${reminder.stepId}`);
      }
    }
    expect(order.slice(0, 4)).toEqual(["correo_1", "correo_2", "correo_3", "llamada"]);
    // The final notice goes by email and WhatsApp on the same day: both fall due at one moment, in either order.
    expect(order.slice(4).sort()).toEqual(["aviso_final_correo", "aviso_final_whatsapp"]);
    expect(finalNotice).toMatch(/Moroso Ilocalizable: a partir del \d{1,2} \w+\.? 2026 se inactivarán sus accesos al sistema/);

    bot.fake.clear();
    await bot.click(REQUESTER, A.execute, request.id);
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("inactive");
    expect(readable((await bot.card(request.id)).blocks)).toMatch(/Inactivad[oa] por <@U0REQUESTER>/);
    // Never deleted: no deletion is scheduled, the client and its records stay.
    expect(await bot.db.job.count({ where: { requestId: request.id, kind: { startsWith: "data.delete" } } })).toBe(0);
    expect(await bot.db.client.count({ where: { id: client.id } })).toBe(1);
  });

  it("1.1 and 1.3: the client's message and management's approval are both required", async () => {
    const client = await createClient(bot.db, { name: "Cliente Que Pidió" });
    const request = await bot.openByForm(REQUESTER, client, { kind: "solicitud_cliente", reason: "Cierra la empresa", requestedOn: "2026-08-03" });
    const refused = await bot.click(REQUESTER, A.execute, request.id);
    expect(bot.responseTo(refused.responseId)?.text).toMatch(/^Not yet: .*message asking to leave.*approval/is);
    await tick(bot, REQUESTER, request.id, "mensaje_cliente", "https://mail.example/baja");
    await bot.click(MANAGER, A.approve, request.id);
    bot.fake.clear();
    await bot.click(REQUESTER, A.execute, request.id);
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("inactive");
    expect(bot.threadLines().some((l) => /inactivar el cliente|inactivate the client/i.test(l))).toBe(true);
  });
});
