import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorSchemaText } from "../../src/cli/connector-check.ts";
import { OPERATIONS, responses } from "../../src/connectors/contract.ts";
import { HttpSystemOfRecord } from "../../src/connectors/http.ts";
import type { Db } from "../../src/db/database.ts";
import { ReferenceSystem } from "../support/reference-sor.ts";

const REGENERATE = "npx offboard connector schema > docs/connector.openapi.json";

describe("the published contract (docs/connector.openapi.json)", () => {
  it("is exactly what the connector's schemas generate", async () => {
    const committed = await readFile(new URL("../../docs/connector.openapi.json", import.meta.url), "utf8").catch(() => "(missing)");
    // toBe on the whole text: any drift fails, and the message says how to regenerate.
    expect(committed === connectorSchemaText(), `docs/connector.openapi.json is out of date: regenerate it with \`${REGENERATE}\` and commit it`).toBe(true);
  });

  it("says the types and nullability of the fields integrators ask about", () => {
    const doc = JSON.parse(connectorSchemaText()) as any;
    const client = doc.paths["/clients/get"].post.responses["2XX"].content["application/json"].schema.properties.client.anyOf[0];
    expect(client.required).toEqual(["ref", "name", "status"]);
    expect(client.properties.third_party).toMatchObject({ type: "boolean", default: false });
    expect(client.properties.hosted_database).toMatchObject({ type: "boolean", default: false });
    expect(client.properties.inactivated_at.anyOf.map((s: { type: string }) => s.type)).toEqual(["string", "null"]);
    const order = doc.paths["/work-orders"].post.requestBody.content["application/json"].schema;
    expect(order.properties.items.items.required).toEqual(["serial", "description"]);
    expect(Object.keys(doc.paths)).toHaveLength(14);
    const contact = doc.paths["/clients/contacts"].post.responses["2XX"].content["application/json"].schema.properties.contacts.items;
    expect(contact.required).toEqual(["name"]);
    expect(contact.properties.phone.anyOf[0]).toMatchObject({ type: "string", pattern: "^\\+[1-9]\\d{6,14}$" });
    expect(contact.properties.language.anyOf[0]).toMatchObject({ enum: ["en", "es", "pt"] });
    expect(contact.properties.primary).toMatchObject({ type: "boolean", default: false });
    expect(doc.paths["/actions/hold-invoices"].post.parameters).toContainEqual({ $ref: "#/components/parameters/IdempotencyKey" });
    expect(doc.paths["/clients/get"].post.parameters).not.toContainEqual({ $ref: "#/components/parameters/IdempotencyKey" });
  });

  it("answers the connector accepts match the schemas it publishes (null third_party is refused, absent is false)", () => {
    const base = { ref: "A", name: "Acme", status: "active" };
    expect(responses.get.parse({ client: base }).client).toMatchObject({ third_party: false, hosted_database: false });
    expect(responses.get.safeParse({ client: { ...base, third_party: null } }).success).toBe(false);
    expect(responses.get.safeParse({ client: { ...base, inactivated_at: null } }).success).toBe(true);
  });
});

describe("the requests the connector sends", () => {
  const remote = new ReferenceSystem("shared-secret-0123456789");
  beforeAll(() => remote.start());
  afterAll(() => remote.stop());

  it("are all operations of the contract, with bodies its request schemas describe", async () => {
    remote.clients.set("R-1", { ref: "R-1", name: "Réf", status: "active", invoices: [], subscriptions: [], equipment: [{ serial: "S1", description: "Router" }], logins: [] });
    // Only the local mirror touches the database; these calls need none of its answers.
    const db = { client: { updateMany: async () => ({ count: 0 }), findMany: async () => [], createMany: async () => ({ count: 0 }) } } as unknown as Db;
    const sor = new HttpSystemOfRecord(db, { baseUrl: remote.url, secret: remote.secret, timeoutMs: 1000, retries: 0 });
    const context = { actor: "U1", at: new Date("2026-08-09T14:20:00Z"), idempotencyKey: "k", reason: "Closing" };
    await sor.findClients("nothing-matches", 5);
    await sor.getClient("NOPE");
    await sor.pendingCharges("R-1");
    await sor.equipmentOut("R-1");
    await sor.contacts("R-1");
    for (const act of ["inactivateClient", "reactivateClient", "holdInvoices", "cancelSubscriptions", "keepLoginRecords", "sendToCollections", "releaseInvoices", "deleteClientData"] as const) {
      await sor[act]("R-1", { ...context, idempotencyKey: act });
    }
    await sor.createWorkOrder("R-1", { kind: "equipment_retrieval", items: [{ serial: "S1", description: "Router" }] }, context);
    expect(new Set(remote.calls.map((c) => c.path))).toEqual(new Set(OPERATIONS.map((o) => o.path)));
    for (const call of remote.calls) {
      const operation = OPERATIONS.find((o) => o.path === call.path)!;
      expect(operation.request.safeParse(call.body).error?.issues, call.path).toBeUndefined();
      expect(Boolean(call.idempotencyKey), call.path).toBe(operation.idempotencyKey);
    }
  });
});
