import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ids } from "../../src/slack/ids.ts";
import { createClient } from "../support/ledger-data.ts";
import { REQUESTER } from "../support/policy.ts";
import { readable, TestBot } from "../support/slack-bot.ts";
import { seedPolicy } from "./support.ts";

// Seed 001 (ISP: logins, loaned equipment, work orders), policies/001-provedor-internet.policy.yml.
const policy = await seedPolicy("001-provedor-internet");
const MANAGER = policy.approvers.users[0]!;
const bot = new TestBot(policy);
beforeAll(() => bot.start());
afterAll(() => bot.stop());

const A = Ids.action;

describe("seed 001: an ISP's contract cancellation", () => {
  it("equipment still out blocks the cancellation and opens one retrieval work order; once it is back, the contract is cancelled and the logins stay linked", async () => {
    const client = await createClient(bot.db, { name: "Assinante Fibra" });
    await bot.db.equipmentLoan.create({ data: { clientId: client.id, serial: "ONT-7781", description: "ONT Huawei", status: "out" } });
    await bot.db.serviceLogin.createMany({ data: [{ clientId: client.id, login: "fibra.assinante" }, { clientId: client.id, login: "pppoe-7781" }] });
    await bot.db.subscription.create({ data: { clientId: client.id, plan: "Fibra 300" } });

    const request = await bot.openByForm(REQUESTER, client, { kind: "cancelamento_contrato", reason: "Mudou de cidade", requestedOn: "2026-08-09" });
    // The work order, opened once, said in the thread (in the policy's Portuguese).
    const orders = await bot.db.workOrder.findMany({ where: { clientId: client.id } });
    expect(orders).toMatchObject([{ kind: "equipment_retrieval", items: [{ serial: "ONT-7781", description: "ONT Huawei" }] }]);
    expect(bot.threadLines()).toContain(`:wrench: O cliente ainda tem equipamentos em comodato (ONT Huawei ONT-7781): foi aberta a ordem de serviço OS-${orders[0]!.number} para retirá-los. O pedido aguarda até que voltem.`);

    // Approved, the cancellation is still refused while the equipment is out; re-checking opens no second order.
    await bot.click(MANAGER, A.approve, request.id);
    const refused = await bot.click(REQUESTER, A.execute, request.id);
    expect(bot.responseTo(refused.responseId)?.text).toMatch(/^Not yet: .*No loaned equipment out/);
    await bot.click(REQUESTER, A.recheck, JSON.stringify({ r: request.id, c: "sem_comodato" }));
    expect(await bot.db.workOrder.count({ where: { clientId: client.id } })).toBe(1);
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("active");

    // The equipment comes back: the cancellation goes through.
    await bot.db.equipmentLoan.updateMany({ where: { clientId: client.id }, data: { status: "returned" } });
    await bot.click(REQUESTER, A.execute, request.id);
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("inactive");
    expect(await bot.db.subscription.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ status: "cancelled" });
    // "Manter vínculo com login contrato desativado": the logins stay, and the execution recorded them.
    expect(await bot.db.serviceLogin.count({ where: { clientId: client.id } })).toBe(2);
    const kept = await bot.db.executionStep.findFirstOrThrow({ where: { requestId: request.id, action: "keep_login_records" } });
    expect(kept).toMatchObject({ status: "done", result: { kept: ["fibra.assinante", "pppoe-7781"] } });
    expect(readable((await bot.card(request.id)).blocks)).toMatch(/Inativado por <@U0REQUESTER>/);
  });

  it("no equipment out: no work order, and the settings of the policy at opening time apply (not retroactive)", async () => {
    const client = await createClient(bot.db, { name: "Assinante Sem Comodato" });
    const request = await bot.openByForm(REQUESTER, client, { kind: "cancelamento_contrato", reason: "Outro provedor", requestedOn: "2026-08-09" });
    expect(await bot.db.workOrder.count({ where: { clientId: client.id } })).toBe(0);
    const snapshot = (await bot.db.deactivationRequest.findUniqueOrThrow({ where: { id: request.id } })).policySnapshot as { actions: string[]; onEquipmentOut: string };
    expect(snapshot).toMatchObject({ actions: ["keep_login_records", "cancel_subscriptions", "inactivate_client"], onEquipmentOut: "work_order" });
  });
});
