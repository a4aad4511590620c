import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A company's own billing system, speaking Offboard's HTTP connector contract
 * (README, "HTTP connector"), written for the tests from the README alone (it
 * imports nothing from src/): it checks every signature (v2 over the whole
 * request, within 300 s either way), remembers the answer for each
 * Idempotency-Key it acted on (2xx), searches without case or accents, and
 * can be told to misbehave (or to store refusals too, as the README before
 * this release told servers to).
 */
export interface RemoteClient {
  ref: string;
  name: string;
  status: "active" | "inactive";
  third_party?: boolean;
  hosted_database?: boolean;
  invoices: { number: string; amount_minor: string; currency: string; due_on: string; status: "open" | "paid"; on_hold: boolean }[];
  subscriptions: { plan: string; status: "active" | "cancelled" }[];
  equipment: { serial: string; description: string }[];
  logins: string[];
  /** Its people, as the contract's clients/contacts answers them (phones E.164); none when absent. */
  contacts?: RemoteContact[];
}

export interface RemoteContact {
  name: string;
  email?: string | null;
  phone?: string | null;
  role?: string | null;
  language?: string | null;
  primary?: boolean;
  /** Deactivated here: not one of the client's current contacts. */
  inactive?: boolean;
}

export interface ReceivedCall {
  path: string;
  body: Record<string, unknown>;
  idempotencyKey: string | null;
  signed: boolean;
  /** When it arrived (ms since the epoch). */
  at: number;
  headers: Record<string, string>;
  /** The body as received. */
  raw: string;
  /** What it was answered. */
  status?: number;
  /** The answer was the one stored for its Idempotency-Key. */
  replayed?: boolean;
}

/** Lower case, accents and punctuation removed: "Acmé S.A." and "ACME s a" are the same. */
function fold(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

export class ReferenceSystem {
  readonly clients = new Map<string, RemoteClient>();
  readonly calls: ReceivedCall[] = [];
  /** Which signature it checks: `v2` (this release's), or `v1` exactly as a server written before it did. */
  verifies: "v1" | "v2" = "v2";
  /** The server's clock, in ms (tests move it to probe the timestamp window). */
  now: () => number = () => Date.now();
  /** Answer 500 to the next N calls. */
  failNext = 0;
  /** Wait this long before answering. */
  delayMs = 0;
  /** Answer 200 with nonsense. */
  garbage = false;
  /** Refuse actions with this reason (422). */
  refuseActions: string | null = null;
  /** Store refusals as a key's answer too (the old README's "return the first answer"), replaying them. */
  storesRefusals = false;
  /** Refuse the next N actions (422), then accept. */
  refuseNext = 0;
  /** Answer 429 to the next N calls, with this Retry-After (none when null). */
  rateLimitNext = 0;
  retryAfter: string | null = null;
  /** Answer 500 to the next N actions (reads answer as usual). */
  failNextActions = 0;
  /** Once an action was applied to a client, clients/get for it answers 500. */
  failGetsAfterActions = false;
  /** Reads (e.g. "clients/pending-charges") refused with 422 and this message. */
  refuseReads: Record<string, string> = {};
  /** Operations it was written without (a server from before they were in the contract): 404. */
  lacks: string[] = [];
  /** Deliberately broken, for `offboard connector check`: accept any signature; accept any timestamp; act again on a replayed key; answer third_party as a string and phones as people write them; refuse in plain text. */
  acceptsBadSignatures = false;
  ignoresTimestamp = false;
  remembersNothing = false;
  wrongShape = false;
  plainTextRefusals = false;
  private readonly acted = new Set<string>();
  private readonly applied = new Map<string, { status: number; answer: unknown }>();
  private server: Server | undefined;
  url = "";

  constructor(readonly secret: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((done) => this.server!.listen(0, "127.0.0.1", done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/offboard/`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await new Promise<string>((done) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => done(body));
    });
    const pathname = new URL(req.url ?? "/", "http://x").pathname;
    const path = pathname.replace(/^\/offboard\//, "");
    const idempotencyKey = typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : null;
    const signed = this.verify(req, pathname, idempotencyKey, raw);
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const headers = Object.fromEntries(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])));
    const call: ReceivedCall = { path, body, idempotencyKey, signed, at: Date.now(), headers, raw };
    this.calls.push(call);
    const send = (status: number, answer: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      if (this.plainTextRefusals && status >= 400 && status < 500) answer = String((answer as { error?: { message?: string } }).error?.message ?? "refused");
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(typeof answer === "string" ? answer : JSON.stringify(answer));
    };
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (res.destroyed) return;
    if (!signed) return send(401, { error: { message: "bad signature" } });
    if (this.rateLimitNext > 0) {
      this.rateLimitNext -= 1;
      return send(429, { error: { message: "slow down" } }, this.retryAfter === null ? {} : { "retry-after": this.retryAfter });
    }
    if (this.failNext > 0) {
      this.failNext -= 1;
      return send(500, "upstream exploded");
    }
    if (this.garbage) return send(200, { clients: "everyone", client: 42, outcome: [], charges: {}, equipment: null, contacts: "everybody" });

    if (this.lacks.includes(path)) return send(404, { error: { message: `no such operation ${path}` } });
    const readRefusal = this.refuseReads[path];
    if (readRefusal) return send(422, { error: { message: readRefusal } });
    const ref = String(body.ref ?? "");
    const client = this.clients.get(ref);
    const view = (c: RemoteClient) => ({ ref: c.ref, name: c.name, status: c.status, third_party: this.wrongShape ? "no" : (c.third_party ?? false), hosted_database: c.hosted_database ?? false });
    switch (path) {
      case "clients/search": {
        // The exact ref first, then the whole name, names starting with the query, names containing it.
        const query = fold(String(body.query ?? ""));
        const limit = Number(body.limit ?? 100);
        if (!query) return send(200, { clients: [] });
        const rank = (c: RemoteClient) => (fold(c.ref) === query ? 0 : fold(c.name) === query ? 1 : fold(c.name).startsWith(query) ? 2 : fold(c.name).includes(query) ? 3 : 4);
        const found = [...this.clients.values()].map((c) => ({ c, rank: rank(c) })).filter((r) => r.rank < 4);
        found.sort((a, b) => a.rank - b.rank || a.c.name.localeCompare(b.c.name));
        return send(200, { clients: found.slice(0, limit).map((r) => view(r.c)) });
      }
      case "clients/get":
        if (this.failGetsAfterActions && this.acted.has(ref)) return send(500, "the read replica is down");
        return send(200, { client: client ? view(client) : null });
      case "clients/pending-charges":
        return send(200, { charges: (client?.invoices ?? []).filter((i) => i.status === "open").map(({ number, amount_minor, currency, due_on }) => ({ number, amount_minor, currency, due_on })) });
      case "clients/equipment-out":
        return send(200, { equipment: client?.equipment ?? [] });
      case "clients/contacts": {
        // The current ones only; absent fields stay absent (the contract allows it).
        const current = (client?.contacts ?? []).filter((c) => !c.inactive).map(({ inactive: _inactive, ...c }) => c);
        return send(200, { contacts: this.wrongShape ? current.map((c) => ({ ...c, phone: c.phone ? c.phone.replace(/^(\+\d{3})(\d{2})/, "$1 $2 ") : c.phone })) : current });
      }
    }
    if (!client) return send(404, { error: { message: `no client ${ref}` } });
    if (!idempotencyKey) return send(400, { error: { message: "Idempotency-Key is required" } });
    if (this.failNextActions > 0) {
      this.failNextActions -= 1;
      return send(503, "try again");
    }
    // The answer for a key it acted on is the answer for that key (a refusal only when told to store them).
    const key = `${path}|${idempotencyKey}`;
    const stored = this.remembersNothing ? undefined : this.applied.get(key);
    if (stored) {
      call.replayed = true;
      return send(stored.status, stored.answer);
    }
    if (this.refuseActions || this.refuseNext > 0) {
      if (this.refuseNext > 0) this.refuseNext -= 1;
      const refusal = { error: { message: this.refuseActions ?? "refused once" } };
      if (this.storesRefusals) this.applied.set(key, { status: 422, answer: refusal });
      return send(422, refusal);
    }
    let answer: unknown;
    switch (path) {
      case "actions/inactivate-client":
        answer = { outcome: { inactivated: client.status === "active" } };
        client.status = "inactive";
        break;
      case "actions/reactivate-client":
        answer = { outcome: { reactivated: client.status === "inactive" } };
        client.status = "active";
        break;
      case "actions/hold-invoices": {
        const held = client.invoices.filter((i) => i.status === "open" && !i.on_hold);
        held.forEach((i) => (i.on_hold = true));
        answer = { outcome: { held: held.map((i) => i.number) } };
        break;
      }
      case "actions/cancel-subscriptions": {
        const cancelled = client.subscriptions.filter((s) => s.status === "active");
        cancelled.forEach((s) => (s.status = "cancelled"));
        answer = { outcome: { cancelled: cancelled.map((s) => s.plan) } };
        break;
      }
      case "actions/keep-login-records":
        answer = { outcome: { kept: client.logins } };
        break;
      case "actions/release-invoices": {
        const held = client.invoices.filter((i) => i.on_hold);
        held.forEach((i) => (i.on_hold = false));
        answer = { outcome: { released: held.map((i) => i.number) } };
        break;
      }
      case "actions/send-to-collections":
        answer = { outcome: { sent: client.invoices.filter((i) => i.status === "open").map((i) => i.number) } };
        break;
      case "actions/delete-client-data":
        // Its people's names, emails and phones are gone: it has no contacts any more.
        client.contacts = [];
        answer = { outcome: { deleted: true } };
        break;
      case "work-orders":
        answer = { number: `WO-${[...this.applied.values()].filter((a) => a.status === 200).length + 1}` };
        break;
      default:
        return send(404, { error: { message: `no such operation ${path}` } });
    }
    this.applied.set(key, { status: 200, answer });
    this.acted.add(ref);
    return send(200, answer);
  }

  /** Forgets what it was told to do (clients and stored answers stay). */
  reset(): void {
    this.failNext = 0;
    this.delayMs = 0;
    this.garbage = false;
    this.refuseActions = null;
    this.refuseNext = 0;
    this.rateLimitNext = 0;
    this.retryAfter = null;
    this.failGetsAfterActions = false;
    this.refuseReads = {};
    this.lacks = [];
    this.failNextActions = 0;
    this.storesRefusals = false;
    this.acceptsBadSignatures = false;
    this.ignoresTimestamp = false;
    this.remembersNothing = false;
    this.wrongShape = false;
    this.plainTextRefusals = false;
    this.verifies = "v2";
    this.now = () => Date.now();
    this.calls.length = 0;
  }

  /**
   * The contract's check: the timestamp is whole Unix seconds no more than 300 s
   * from the server's clock either way, and the signature matches. `v2` signs
   * `v2:<timestamp>:<METHOD>:<path>:<idempotency key or empty>:<raw body>`;
   * `v1` (a server from before v2) compares the whole X-Offboard-Signature header.
   */
  private verify(req: IncomingMessage, pathname: string, idempotencyKey: string | null, raw: string): boolean {
    const timestamp = String(req.headers["x-offboard-timestamp"] ?? "");
    if (!/^\d{1,12}$/.test(timestamp) || (!this.ignoresTimestamp && Math.abs(Math.floor(this.now() / 1000) - Number(timestamp)) > 300)) return false;
    if (this.acceptsBadSignatures) return true;
    const hmac = (text: string) => createHmac("sha256", Buffer.from(this.secret, "utf8")).update(text, "utf8").digest("hex");
    const [header, expected] =
      this.verifies === "v1"
        ? [req.headers["x-offboard-signature"], `v1=${hmac(`v1:${timestamp}:${raw}`)}`]
        : [req.headers["x-offboard-signature-v2"], `v2=${hmac(`v2:${timestamp}:${req.method ?? ""}:${pathname}:${idempotencyKey ?? ""}:${raw}`)}`];
    const given = String(header ?? "");
    return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  }
}
