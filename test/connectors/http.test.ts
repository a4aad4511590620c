import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HttpSystemOfRecord } from "../../src/connectors/http.ts";
import { Ids } from "../../src/slack/ids.ts";
import { REQUESTER, testPolicy } from "../support/policy.ts";
import { ReferenceSystem, type RemoteClient } from "../support/reference-sor.ts";
import { readable, TestBot } from "../support/slack-bot.ts";

// The HTTP connector against a reference implementation of the contract,
// through the whole bot: what Slack shows, what the other system received.
const SECRET = "shared-secret-0123456789";
const remote = new ReferenceSystem(SECRET);
let connector!: HttpSystemOfRecord;
const bot = new TestBot(testPolicy({ language: "en" }), undefined, (db) => (connector = new HttpSystemOfRecord(db, { baseUrl: remote.url, secret: SECRET, timeoutMs: 400, retries: 2, backoffMs: 10 })));
beforeAll(async () => {
  await remote.start();
  await bot.start();
});
afterAll(async () => {
  await bot.stop();
  await remote.stop();
});
beforeEach(() => {
  remote.failNext = 0;
  remote.delayMs = 0;
  remote.garbage = false;
  remote.refuseActions = null;
  remote.calls.length = 0;
  bot.fake.clear();
});

const A = Ids.action;
let n = 0;
function remoteClient(name: string, extra: Partial<RemoteClient> = {}): RemoteClient {
  const client: RemoteClient = { ref: `EXT-${++n}`, name, status: "active", invoices: [], subscriptions: [{ plan: "Pro", status: "active" }], equipment: [], logins: ["user@acme"], ...extra };
  remote.clients.set(client.ref, client);
  return client;
}

/** /deactivate REF through Slack, with the kind that holds invoices, cancels subscriptions and inactivates. */
async function openFor(client: RemoteClient) {
  await bot.command(REQUESTER, client.ref);
  const { answer } = await bot.submit(REQUESTER, bot.lastModal(), {
    [Ids.block.kind]: { [Ids.action.kind]: { selected_option: { value: "on_hold" } } },
    [Ids.block.reason]: { [Ids.action.reason]: { value: "Closing" } },
    [Ids.block.requestedOn]: { [Ids.action.requestedOn]: { selected_date: "2026-08-09" } },
  });
  if (answer) throw new Error(JSON.stringify(answer));
  return bot.db.deactivationRequest.findFirstOrThrow({ where: { client: { ref: client.ref } }, orderBy: { number: "desc" } });
}

describe("the HTTP connector", () => {
  it("runs a deactivation on the company's own system: every call signed, every action with its idempotency key", async () => {
    const client = remoteClient("Acme Remote", { invoices: [{ number: "R-1", amount_minor: "1500", currency: "USD", due_on: "2026-08-01", status: "open", on_hold: false }] });
    const request = await openFor(client);
    await bot.click(REQUESTER, A.execute, request.id);

    expect(client.status).toBe("inactive");
    expect(client.invoices[0]!.on_hold).toBe(true);
    expect(client.subscriptions[0]!.status).toBe("cancelled");
    expect(remote.calls.every((c) => c.signed)).toBe(true);
    const actions = remote.calls.filter((c) => c.path.startsWith("actions/"));
    expect(actions.map((c) => [c.path, c.idempotencyKey])).toEqual([
      ["actions/hold-invoices", `${request.id}:hold_invoices`],
      ["actions/cancel-subscriptions", `${request.id}:cancel_subscriptions`],
      ["actions/inactivate-client", `${request.id}:inactivate_client`],
    ]);
    // The local mirror follows what the other side says.
    expect(await bot.db.client.findUniqueOrThrow({ where: { ref: client.ref } })).toMatchObject({ name: "Acme Remote", status: "inactive" });
    expect(readable((await bot.card(request.id)).blocks)).toMatch(/Inactivated by <@U0REQUESTER>/);
  });

  it("the same action sent twice with its key is applied once by the other side, with the same answer", async () => {
    const client = remoteClient("Twice Inc");
    await connector.getClient(client.ref);
    const context = { actor: REQUESTER, at: new Date(), idempotencyKey: "req-1:cancel_subscriptions" };
    const first = await connector.cancelSubscriptions(client.ref, context);
    const second = await connector.cancelSubscriptions(client.ref, context);
    expect(first).toEqual({ cancelled: ["Pro"] });
    expect(second).toEqual(first);
    const sent = remote.calls.filter((c) => c.path === "actions/cancel-subscriptions").map((c) => c.idempotencyKey);
    expect(sent).toEqual(["req-1:cancel_subscriptions", "req-1:cancel_subscriptions"]);
  });

  it("search results are mirrored locally in one go, and follow renames on the other side", async () => {
    const found = [remoteClient("Typeahead Uno"), remoteClient("Typeahead Dos"), remoteClient("Typeahead Tres")];
    const first = await connector.findClients("typeahead", 10);
    expect(first.map((c) => c.name).sort()).toEqual(["Typeahead Dos", "Typeahead Tres", "Typeahead Uno"]);
    expect(first.every((c) => /^[0-9a-f-]{36}$/.test(c.id))).toBe(true);
    found[1]!.name = "Typeahead Dos Renamed";
    const again = await connector.findClients("typeahead", 10);
    expect(again.find((c) => c.ref === found[1]!.ref)).toMatchObject({ id: first.find((c) => c.ref === found[1]!.ref)!.id, name: "Typeahead Dos Renamed" });
    expect(await bot.db.client.findUniqueOrThrow({ where: { ref: found[1]!.ref } })).toMatchObject({ name: "Typeahead Dos Renamed" });
  });

  it("retries 5xx with backoff and succeeds", async () => {
    const client = remoteClient("Flaky Ltd");
    remote.failNext = 2;
    expect(await connector.getClient(client.ref)).toMatchObject({ ref: client.ref, name: "Flaky Ltd" });
    expect(remote.calls.filter((c) => c.path === "clients/get")).toHaveLength(3);
  });

  it("a system that is down or slow: retried, then the card and the clicker say so; nothing is marked done", async () => {
    const client = remoteClient("Slow Corp");
    const request = await openFor(client);
    remote.delayMs = 1000;
    const { responseId } = await bot.click(REQUESTER, A.execute, request.id);
    expect(bot.responseTo(responseId)?.text).toMatch(/the system of record did not answer within 0\.4s \(clients\/pending-charges, 3 attempts\)|the system of record did not answer within 0\.4s/);
    expect(client.status).toBe("active");
    expect(await bot.db.executionStep.count({ where: { requestId: request.id, status: "done" } })).toBe(0);

    remote.delayMs = 0;
    remote.failNext = 10;
    const down = await bot.click(REQUESTER, A.execute, request.id);
    expect(bot.responseTo(down.responseId)?.text).toMatch(/answered 500/);
    expect(client.status).toBe("active");
  });

  it("an answer that makes no sense is a clear error, not retried", async () => {
    const client = remoteClient("Garbage Co");
    remote.garbage = true;
    await expect(connector.getClient(client.ref)).rejects.toThrow(/answered something Offboard cannot read \(clients\/get\): client: /);
    expect(remote.calls).toHaveLength(1);
  });

  it("a refusal is shown with the other side's reason, in the thread and to the clicker", async () => {
    const client = remoteClient("Refused SA");
    const request = await openFor(client);
    remote.refuseActions = "client has an open support ticket";
    const { responseId } = await bot.click(REQUESTER, A.execute, request.id);
    expect(bot.responseTo(responseId)?.text).toContain("the system of record refused (422): client has an open support ticket");
    const thread = bot.fake.called("chat.postMessage", (a) => Boolean(a.thread_ts)).map((a) => String(a.text));
    expect(thread.some((l) => l.includes("client has an open support ticket"))).toBe(true);
    expect(client.status).toBe("active");
  });

  it("a wrong secret is refused by the other side (the signature is checked)", async () => {
    const client = remoteClient("Signed Only");
    const wrong = new HttpSystemOfRecord(bot.db, { baseUrl: remote.url, secret: "not-the-shared-secret", timeoutMs: 400, retries: 0 });
    await expect(wrong.getClient(client.ref)).rejects.toThrow(/refused \(401\): bad signature/);
  });
});
