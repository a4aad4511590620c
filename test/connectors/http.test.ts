import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError, HttpSystemOfRecord, retryAfterMs, signatureHeaders, v2SignedString } from "../../src/connectors/http.ts";
import { readSor } from "../../src/services/sor-calls.ts";
import { Ids } from "../../src/slack/ids.ts";
import { REQUESTER, testPolicy } from "../support/policy.ts";
import { ReferenceSystem, type RemoteClient, type RemoteContact } from "../support/reference-sor.ts";
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
  remote.reset();
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

describe("signatures (v2: the whole request)", () => {
  /** The README's worked example, as `name: value` lines between its markers. */
  function readmeExample(): Record<string, string> {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const block = /<!-- signature-example -->\s*```\n([\s\S]*?)```\s*<!-- \/signature-example -->/.exec(readme);
    if (!block) throw new Error("README: no signature example between its markers");
    return Object.fromEntries(block[1]!.trim().split("\n").map((line) => {
      const at = line.indexOf(":");
      return [line.slice(0, at).trim(), line.slice(at + 1).replace(/^ +/, "")];
    }));
  }

  it("the README's worked example is what Offboard computes, and what any HMAC-SHA256 gives", () => {
    const ex = readmeExample();
    const parts = { timestamp: ex.timestamp!, method: ex.method!, path: ex.path!, idempotencyKey: ex["idempotency key"]!, body: ex.body! };
    expect(v2SignedString(parts)).toBe(ex["signed string"]);
    const headers = signatureHeaders(ex.secret!, parts);
    expect(`X-Offboard-Signature-V2: ${headers["x-offboard-signature-v2"]}`).toBe(ex["v2 header"]);
    expect(`X-Offboard-Signature: ${headers["x-offboard-signature"]}`).toBe(ex["v1 header"]);
    // Independently of Offboard's code: the documented string, the documented secret's UTF-8 bytes.
    const hex = createHmac("sha256", Buffer.from(ex.secret!, "utf8")).update(Buffer.from(ex["signed string"]!, "utf8")).digest("hex");
    expect(ex["v2 header"]).toBe(`X-Offboard-Signature-V2: v2=${hex}`);
    expect(ex.secret!.length).toBeGreaterThanOrEqual(16);
  });

  it("a captured actions/hold-invoices request replayed on actions/cancel-subscriptions is refused (401)", async () => {
    const client = remoteClient("Replay Target");
    await connector.holdInvoices(client.ref, { actor: REQUESTER, at: new Date(), idempotencyKey: "req-replay:hold_invoices" });
    const captured = remote.calls.find((c) => c.path === "actions/hold-invoices")!;
    expect(captured.status).toBe(200);
    // Everything a listener on the wire saw: the signature headers, the key, the body.
    const headers = Object.fromEntries(Object.entries(captured.headers).filter(([name]) => name.startsWith("x-offboard-") || name === "idempotency-key" || name === "content-type"));
    const replay = (operation: string) => fetch(new URL(operation, remote.url), { method: "POST", headers, body: captured.raw });
    // The capture itself is valid: on its own path it is answered (the stored answer for its key)...
    expect((await replay("actions/hold-invoices")).status).toBe(200);
    // ...and on another path, with the same timestamp, key and body, it is not.
    const moved = await replay("actions/cancel-subscriptions");
    expect(moved.status).toBe(401);
    expect(client.subscriptions[0]!.status).toBe("active");
  });

  it("a server written for v1 (comparing X-Offboard-Signature exactly) keeps working this release", async () => {
    const client = remoteClient("Old Server");
    remote.verifies = "v1";
    expect(await connector.getClient(client.ref)).toMatchObject({ ref: client.ref });
    expect(remote.calls.at(-1)!.headers["x-offboard-signature"]).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it("the timestamp window: 300 s either way is accepted, 301 s is not", async () => {
    const client = remoteClient("Clock Edge");
    const serverSeconds = 1_786_290_000;
    remote.now = () => serverSeconds * 1000 + 999;
    const post = (timestamp: number) => {
      const body = JSON.stringify({ ref: client.ref });
      const path = new URL("clients/get", remote.url);
      const headers = signatureHeaders(SECRET, { timestamp: String(timestamp), method: "POST", path: path.pathname, idempotencyKey: null, body });
      return fetch(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body }).then((r) => r.status);
    };
    expect(await post(serverSeconds - 300)).toBe(200);
    expect(await post(serverSeconds + 300)).toBe(200);
    expect(await post(serverSeconds - 301)).toBe(401);
    expect(await post(serverSeconds + 301)).toBe(401);
  });

  it("a secret shorter than 16 characters is refused", () => {
    expect(() => new HttpSystemOfRecord(bot.db, { baseUrl: remote.url, secret: "fifteen-chars-x", timeoutMs: 400, retries: 0 })).toThrow(/at least 16 characters/);
    expect(() => new HttpSystemOfRecord(bot.db, { baseUrl: remote.url, secret: "sixteen-chars-xx", timeoutMs: 400, retries: 0 })).not.toThrow();
  });
});

describe("idempotency keys: one attempt of one action", () => {
  it("a refusal is not replayed, even by a server that stores refusals: pressing Execute again is a new attempt with a new key, and succeeds", async () => {
    const client = remoteClient("Refused Once");
    const request = await openFor(client);
    remote.refuseNext = 1;
    remote.storesRefusals = true; // the strictest server: written from the old README, it replays a stored refusal
    const first = await bot.click(REQUESTER, A.execute, request.id);
    expect(bot.responseTo(first.responseId)?.text).toContain("the system of record refused (422)");
    const second = await bot.click(REQUESTER, A.execute, request.id);
    expect(bot.responseTo(second.responseId)?.text ?? "").not.toMatch(/refused/);

    const holds = remote.calls.filter((c) => c.path === "actions/hold-invoices");
    expect(holds.map((c) => [c.idempotencyKey, c.status, c.replayed ?? false])).toEqual([
      [`${request.id}:hold_invoices`, 422, false],
      [`${request.id}:hold_invoices:2`, 200, false],
    ]);
    expect(client.status).toBe("inactive");
    expect((await bot.db.deactivationRequest.findUniqueOrThrow({ where: { id: request.id } })).state).toBe("executed");
    const refused = await bot.db.auditEvent.findMany({ where: { requestId: request.id, action: "execution.action_refused" } });
    expect(refused.map((e) => e.data)).toEqual([{ action: "hold_invoices", idempotencyKey: `${request.id}:hold_invoices`, status: 422 }]);
  });

  it("after 5xx and timeouts the next Execute sends the same key (the first attempt may have been done)", async () => {
    const client = remoteClient("Unsure Ltd");
    const request = await openFor(client);
    remote.failNextActions = 3; // every attempt of the first call (retries: 2)
    const first = await bot.click(REQUESTER, A.execute, request.id);
    expect(bot.responseTo(first.responseId)?.text).toMatch(/answered 503/);
    await bot.click(REQUESTER, A.execute, request.id);
    const keys = remote.calls.filter((c) => c.path === "actions/hold-invoices").map((c) => c.idempotencyKey);
    expect(keys).toEqual(Array(4).fill(`${request.id}:hold_invoices`));
    expect(client.status).toBe("inactive");
  });

  it("a 429 with Retry-After: 1 is retried after about a second, with the same key", async () => {
    const client = remoteClient("Busy GmbH");
    const patient = new HttpSystemOfRecord(bot.db, { baseUrl: remote.url, secret: SECRET, timeoutMs: 2000, retries: 1, backoffMs: 10 });
    remote.rateLimitNext = 1;
    remote.retryAfter = "1";
    expect(await patient.cancelSubscriptions(client.ref, { actor: REQUESTER, at: new Date(), idempotencyKey: "req-busy:cancel_subscriptions" })).toEqual({ cancelled: ["Pro"] });
    const calls = remote.calls.filter((c) => c.path === "actions/cancel-subscriptions");
    expect(calls.map((c) => [c.status, c.idempotencyKey])).toEqual([
      [429, "req-busy:cancel_subscriptions"],
      [200, "req-busy:cancel_subscriptions"],
    ]);
    const gap = calls[1]!.at - calls[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(900);
    expect(gap).toBeLessThan(3000);
  });

  it("a Retry-After longer than the call may wait ends it at once, saying so", async () => {
    const client = remoteClient("Very Busy");
    remote.rateLimitNext = 5;
    remote.retryAfter = "60";
    await expect(connector.getClient(client.ref)).rejects.toThrow(/answered 429 and asked to be called again in 60s/);
    expect(remote.calls).toHaveLength(1);
  });

  it("Retry-After is read as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-08-09T12:00:00Z");
    expect(retryAfterMs("1", now)).toBe(1000);
    expect(retryAfterMs(" 120 ", now)).toBe(120_000);
    expect(retryAfterMs("Sun, 09 Aug 2026 12:00:02 GMT", now)).toBe(2000);
    expect(retryAfterMs("Sun, 09 Aug 2026 11:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("soon", now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});

describe("the action's own answer is the truth", () => {
  it("a clients/get that fails after the actions succeeded does not fail them, nor send them again", async () => {
    const client = remoteClient("Read Replica Down");
    const request = await openFor(client);
    remote.failGetsAfterActions = true;
    await bot.click(REQUESTER, A.execute, request.id);
    const steps = await bot.db.executionStep.findMany({ where: { requestId: request.id }, orderBy: { position: "asc" } });
    expect(steps.map((s) => [s.action, s.status, s.attempts])).toEqual([
      ["hold_invoices", "done", 1],
      ["cancel_subscriptions", "done", 1],
      ["inactivate_client", "done", 1],
    ]);
    const actions = remote.calls.filter((c) => c.path.startsWith("actions/")).map((c) => c.path);
    expect(actions).toEqual(["actions/hold-invoices", "actions/cancel-subscriptions", "actions/inactivate-client"]);
    expect((await bot.db.deactivationRequest.findUniqueOrThrow({ where: { id: request.id } })).state).toBe("executed");
    expect(await bot.db.client.findUniqueOrThrow({ where: { ref: client.ref } })).toMatchObject({ status: "inactive", inactivatedBy: REQUESTER });
  });
});

describe("the reference server's search follows the contract", () => {
  it("without case, accents or punctuation: the ref first, then whole names, names starting with the query, names containing it", async () => {
    const contains = remoteClient("Distribuidora José Pérez");
    const starts = remoteClient("JOSE PEREZ S.A.");
    const whole = remoteClient("José Pérez");
    const byRef = remoteClient("Unrelated Name", { ref: "Jose-Perez" });
    remoteClient("Josefina Pereira");
    const found = await connector.findClients("josé pérez", 10);
    expect(found.map((c) => c.ref)).toEqual([byRef.ref, whole.ref, starts.ref, contains.ref]);
    expect((await connector.findClients("JOSE   PEREZ", 10)).map((c) => c.ref)).toEqual([byRef.ref, whole.ref, starts.ref, contains.ref]);
    expect(await connector.findClients("jose perez", 2)).toHaveLength(2);
  });

  it("/deactivate with a misspelt name suggests the closest names", async () => {
    remoteClient("Ferretería Güemes");
    // Nothing is named "guemesz": Offboard then searches "Gueme", which only an accent-blind search finds in "Güemes".
    await bot.command(REQUESTER, "Guemesz");
    expect(shownInModal()).toContain("Ferretería Güemes");
  });
});

/** What the modal a command opened shows once its answer came (views.update of the "looking it up" modal). */
function shownInModal(): string {
  const update = bot.fake.called("views.update").at(-1);
  return update ? readable((update.view as { blocks: unknown }).blocks) : "";
}

describe("reads the system of record refuses or fails", () => {
  it("/deactivate: a refused search is said with the other side's words, not as our failure", async () => {
    remote.refuseReads["clients/search"] = "search is down for maintenance";
    await bot.command(REQUESTER, "anything");
    const said = shownInModal();
    expect(said).toContain("the system of record refused (422): search is down for maintenance");
    expect(said).not.toMatch(/Something went wrong/);
  });

  it("a refused pending-charges during the form's submission is answered at once, on the form, with the reason", async () => {
    const client = remoteClient("Charges Refused SA");
    await bot.command(REQUESTER, client.ref);
    remote.refuseReads["clients/pending-charges"] = "billing is closing the month";
    const { status, answer } = await bot.submit(REQUESTER, bot.lastModal(), {
      [Ids.block.kind]: { [Ids.action.kind]: { selected_option: { value: "voluntary" } } },
      [Ids.block.reason]: { [Ids.action.reason]: { value: "Closing" } },
      [Ids.block.requestedOn]: { [Ids.action.requestedOn]: { selected_date: "2026-08-09" } },
    });
    expect(status).toBe(200);
    expect(answer).toEqual({ response_action: "errors", errors: { [Ids.block.client]: expect.stringContaining("the system of record refused (422): billing is closing the month") } });
    expect(await bot.db.deactivationRequest.count({ where: { client: { ref: client.ref } } })).toBe(0);
  });

  it("/reactivate: a refused clients/get is said with the other side's words", async () => {
    const client = remoteClient("Get Refused SA", { status: "inactive" });
    remote.refuseReads["clients/get"] = "record locked by an auditor";
    await bot.command(REQUESTER, client.ref, "/reactivate");
    const said = shownInModal();
    expect(said).toContain("the system of record refused (422): record locked by an auditor");
    expect(said).not.toMatch(/Something went wrong/);
  });
});

describe("the client's contacts (clients/contacts)", () => {
  it("are read, validated and given with every field (absent ones null; inactive ones are not sent)", async () => {
    const client = remoteClient("Contacts SA", {
      contacts: [
        { name: "Ana Pérez", email: "ana@contacts.test", phone: "+59899123456", role: "billing", language: "es", primary: true },
        { name: "Bruno", phone: "+5511912345678" },
        { name: "Carla", email: "carla@contacts.test", phone: null, role: null, language: null },
        { name: "Gone", email: "gone@contacts.test", inactive: true },
      ],
    });
    expect(await connector.contacts(client.ref)).toEqual([
      { name: "Ana Pérez", email: "ana@contacts.test", phone: "+59899123456", role: "billing", language: "es", primary: true },
      { name: "Bruno", email: null, phone: "+5511912345678", role: null, language: null, primary: false },
      { name: "Carla", email: "carla@contacts.test", phone: null, role: null, language: null, primary: false },
    ]);
    const call = remote.calls.find((c) => c.path === "clients/contacts")!;
    expect([call.body, call.signed, call.idempotencyKey]).toEqual([{ ref: client.ref }, true, null]);
    expect(await connector.contacts("NOBODY-KNOWS")).toEqual([]);
  });

  it.each<{ name: string; contact: RemoteContact; problem: RegExp }>([
    { name: "a phone as people write it", contact: { name: "Ana", phone: "+598 99 123 456" }, problem: /contacts\.0\.phone: a phone number in E\.164/ },
    { name: "a local phone", contact: { name: "Ana", phone: "099123456" }, problem: /contacts\.0\.phone: a phone number in E\.164/ },
    { name: "an email that is not one", contact: { name: "Ana", email: "ana at acme" }, problem: /contacts\.0\.email: an email address/ },
    { name: "a language Offboard does not write", contact: { name: "Ana", email: "ana@acme.test", language: "fr" }, problem: /contacts\.0\.language: / },
    { name: "a role that is not an id", contact: { name: "Ana", email: "ana@acme.test", role: "Billing Dept" }, problem: /contacts\.0\.role: a role id in lower_snake_case/ },
    { name: "a contact without a name", contact: { name: "", email: "ana@acme.test" }, problem: /contacts\.0\.name: / },
  ])("an answer with $name is refused whole, as SOR.FAILED, and not retried", async ({ contact, problem }) => {
    const client = remoteClient("Malformed Contacts", { contacts: [contact, { name: "Fine", email: "fine@acme.test" }] });
    const read = connector.contacts(client.ref);
    await expect(read).rejects.toBeInstanceOf(ConnectorError);
    await expect(read).rejects.toThrow(/^the system of record answered something Offboard cannot read \(clients\/contacts\): /);
    await expect(read).rejects.toThrow(problem);
    expect(remote.calls.filter((c) => c.path === "clients/contacts")).toHaveLength(1);
    const result = await readSor(() => connector.contacts(client.ref));
    expect(result).toMatchObject({ ok: false, error: { code: "SOR.FAILED", details: { error: expect.stringMatching(problem) } } });
  });

  it("an answer that is not a list of contacts at all is refused too", async () => {
    const client = remoteClient("Garbage Contacts");
    remote.garbage = true;
    await expect(connector.contacts(client.ref)).rejects.toThrow(/cannot read \(clients\/contacts\): contacts: /);
  });
});
