import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Ledger } from "../../src/connectors/ledger.ts";
import { RefusedBySystemError, type ActionContext, type SystemOfRecord } from "../../src/connectors/system-of-record.ts";
import type { DatabaseHandle, Db } from "../../src/db/database.ts";
import { ErrorCode } from "../../src/domain/errors.ts";
import { policySchema } from "../../src/config/policy-schema.ts";
import { ManualClock } from "../../src/services/clock.ts";
import { runDeletion } from "../../src/services/data-deletion.ts";
import { policyApprovers, type ServiceDeps } from "../../src/services/deps.ts";
import { openRequest, reactivateClient, refreshAutomaticChecks } from "../../src/services/requests.ts";
import { executeRequest } from "../../src/services/execution.ts";
import { createStore } from "../../src/db/store.ts";
import { createTestDatabase } from "../support/db.ts";
import { createClient } from "../support/ledger-data.ts";
import { REQUESTER, testPolicyInput } from "../support/policy.ts";

// A work order, a reactivation and a data deletion are one-off actions: like
// execution steps, a refusal ends an attempt and the next one sends a new
// Idempotency-Key, so a system that stores refusals never blocks them for good.

/** The ledger, with loaned equipment always out, that records every key it gets and refuses the next calls it is told to. */
class RecordingSor {
  readonly keys: { method: string; key: string }[] = [];
  refuse = new Map<string, number>();
  constructor(private readonly ledger: Ledger) {}
  private async act<T>(method: string, context: ActionContext, run: () => Promise<T>): Promise<T> {
    this.keys.push({ method, key: context.idempotencyKey });
    const left = this.refuse.get(method) ?? 0;
    if (left > 0) {
      this.refuse.set(method, left - 1);
      throw new RefusedBySystemError(`the system of record refused (422): ${method} not now`, 422);
    }
    return run();
  }
  asSystemOfRecord(): SystemOfRecord {
    return new Proxy(this.ledger, {
      get: (target, prop, receiver) => {
        if (prop === "equipmentOut") return async () => [{ serial: "ONU-1", description: "ONU" }];
        if (prop === "createWorkOrder") return (_ref: string, _order: Parameters<SystemOfRecord["createWorkOrder"]>[1], c: ActionContext) => this.act("createWorkOrder", c, async () => ({ number: `WO-${c.idempotencyKey}` }));
        if (prop === "reactivateClient" || prop === "deleteClientData") {
          return (ref: string, c: ActionContext) => this.act(String(prop), c, () => (target[prop] as (r: string, c: ActionContext) => Promise<object>).call(target, ref, c));
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as SystemOfRecord;
  }
}

let handle: DatabaseHandle;
let db: Db;
let deps: ServiceDeps;
let sor: RecordingSor;
const clock = new ManualClock(new Date("2026-08-09T14:00:00Z"));

beforeAll(async () => {
  handle = await createTestDatabase();
  db = handle.prisma;
  const input = testPolicyInput({ language: "en" });
  const policy = policySchema.parse({
    ...input,
    kinds: {
      ...input.kinds,
      loan: { label: "Loaned equipment", checks: [{ id: "equipment_back", label: "Equipment back", automatic: "no_equipment_out" }], actions: ["inactivate_client"], on_equipment_out: "work_order" },
    },
  });
  sor = new RecordingSor(new Ledger(db));
  deps = { store: createStore(db), clock, policy, sor: sor.asSystemOfRecord(), approvers: policyApprovers(policy) };
});
afterAll(async () => {
  await handle?.close();
});
beforeEach(() => {
  sor.keys.length = 0;
  sor.refuse.clear();
});

async function open(clientRef: string, kind: string) {
  const result = await openRequest(deps, { clientRef, kind, requestedBy: REQUESTER, reason: "Closing", requestedOn: "2026-08-09" });
  if (!result.ok) throw new Error(`open failed: ${JSON.stringify(result.error)}`);
  return result.request;
}

/** A client inactivated by a toggle request (no checks, no approval). */
async function inactivated() {
  const client = await createClient(db);
  const request = await open(client.ref, "toggle");
  const executed = await executeRequest(deps, request.id, REQUESTER);
  if (!executed.ok) throw new Error(`execute failed: ${JSON.stringify(executed.error)}`);
  return { client, request };
}

describe("one-off actions after a refusal", () => {
  it("a refused work order is opened at the next re-check with a new key", async () => {
    const client = await createClient(db);
    sor.refuse.set("createWorkOrder", 1);
    const request = await open(client.ref, "loan");
    expect(await db.auditEvent.count({ where: { requestId: request.id, action: "work_order.created" } })).toBe(0);
    expect((await refreshAutomaticChecks(deps, request.id, REQUESTER)).ok).toBe(true);
    const base = `${request.id}:equipment_retrieval`;
    expect(sor.keys.filter((k) => k.method === "createWorkOrder").map((k) => k.key)).toEqual([base, `${base}:2`]);
    const created = await db.auditEvent.findFirstOrThrow({ where: { requestId: request.id, action: "work_order.created" } });
    expect(created.data).toMatchObject({ number: `WO-${base}:2` });
  });

  it("a refused reactivation is said with the other side's words, and the next one sends a new key", async () => {
    const { client } = await inactivated();
    const inactivatedAt = (await deps.sor.getClient(client.ref))!.inactivatedAt!.toISOString();
    sor.refuse.set("reactivateClient", 1);
    const refused = await reactivateClient(deps, client.ref, REQUESTER);
    expect(refused).toEqual({ ok: false, error: { code: ErrorCode.SystemOfRecordFailed, details: { error: "the system of record refused (422): reactivateClient not now" } } });
    expect((await reactivateClient(deps, client.ref, REQUESTER)).ok).toBe(true);
    const base = `${client.id}:reactivate:${inactivatedAt}`;
    expect(sor.keys.filter((k) => k.method === "reactivateClient").map((k) => k.key)).toEqual([base, `${base}:2`]);
  });

  it("a refused data deletion is retried by its job with a new key", async () => {
    const { request } = await inactivated();
    sor.refuse.set("deleteClientData", 1);
    await expect(runDeletion(deps, request.id)).rejects.toThrow(/refused \(422\)/);
    expect(await runDeletion(deps, request.id)).toEqual({ status: "deleted" });
    const base = `${request.id}:delete_data`;
    expect(sor.keys.filter((k) => k.method === "deleteClientData").map((k) => k.key)).toEqual([base, `${base}:2`]);
  });
});
