import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A company's own billing system, speaking Offboard's HTTP connector contract
 * (README, "HTTP connector"), written for the tests: it checks every
 * signature, honours idempotency keys, and can be told to misbehave.
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
}

export class ReferenceSystem {
  readonly clients = new Map<string, RemoteClient>();
  readonly calls: { path: string; body: Record<string, unknown>; idempotencyKey: string | null; signed: boolean }[] = [];
  /** Answer 500 to the next N calls. */
  failNext = 0;
  /** Wait this long before answering. */
  delayMs = 0;
  /** Answer 200 with nonsense. */
  garbage = false;
  /** Refuse actions with this reason (422). */
  refuseActions: string | null = null;
  private readonly applied = new Map<string, unknown>();
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
    const path = new URL(req.url ?? "/", "http://x").pathname.replace(/^\/offboard\//, "");
    const timestamp = String(req.headers["x-offboard-timestamp"] ?? "");
    const given = String(req.headers["x-offboard-signature"] ?? "");
    const expected = `v1=${createHmac("sha256", this.secret).update(`v1:${timestamp}:${raw}`).digest("hex")}`;
    const signed = given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected)) && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
    const idempotencyKey = typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : null;
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    this.calls.push({ path, body, idempotencyKey, signed });
    const send = (status: number, answer: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(typeof answer === "string" ? answer : JSON.stringify(answer));
    };
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (res.destroyed) return;
    if (!signed) return send(401, { error: { message: "bad signature" } });
    if (this.failNext > 0) {
      this.failNext -= 1;
      return send(500, "upstream exploded");
    }
    if (this.garbage) return send(200, { clients: "everyone", client: 42, outcome: [], charges: {}, equipment: null });

    const ref = String(body.ref ?? "");
    const client = this.clients.get(ref);
    const view = (c: RemoteClient) => ({ ref: c.ref, name: c.name, status: c.status, third_party: c.third_party ?? false, hosted_database: c.hosted_database ?? false });
    switch (path) {
      case "clients/search": {
        const query = String(body.query ?? "").toLowerCase();
        return send(200, { clients: [...this.clients.values()].filter((c) => c.ref.toLowerCase() === query || c.name.toLowerCase().includes(query)).map(view) });
      }
      case "clients/get":
        return send(200, { client: client ? view(client) : null });
      case "clients/pending-charges":
        return send(200, { charges: (client?.invoices ?? []).filter((i) => i.status === "open").map(({ number, amount_minor, currency, due_on }) => ({ number, amount_minor, currency, due_on })) });
      case "clients/equipment-out":
        return send(200, { equipment: client?.equipment ?? [] });
    }
    if (!client) return send(404, { error: { message: `no client ${ref}` } });
    if (!idempotencyKey) return send(400, { error: { message: "Idempotency-Key is required" } });
    if (this.refuseActions) return send(422, { error: { message: this.refuseActions } });
    const key = `${path}|${idempotencyKey}`;
    if (this.applied.has(key)) return send(200, this.applied.get(key));
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
        answer = { outcome: { deleted: true } };
        break;
      case "work-orders":
        answer = { number: `WO-${this.applied.size + 1}` };
        break;
      default:
        return send(404, { error: { message: `no such operation ${path}` } });
    }
    this.applied.set(key, answer);
    return send(200, answer);
  }
}
