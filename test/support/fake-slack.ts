import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
}

/**
 * A stand-in for Slack's Web API on 127.0.0.1: records every call and answers
 * like Slack does for the methods Offboard uses. response_url posts land here too.
 */
export class FakeSlack {
  readonly calls: ApiCall[] = [];
  readonly responses: { id: string; body: Record<string, unknown> }[] = [];
  /** users.info answers: user id -> Slack locale. */
  readonly locales = new Map<string, string>();
  readonly groups = new Map<string, string[]>();
  /** Methods that answer HTTP 500 for their next N calls (Slack having a bad moment). */
  readonly failing = new Map<string, number>();
  /** Calls that were answered with a failure. */
  readonly failed: string[] = [];
  /** What each message shows now, by `channel:ts` (posted, then updated in place); kept across clear(). */
  readonly messages = new Map<string, Record<string, unknown>>();
  /** What apps.connections.open answers (Socket Mode). */
  connectionUrl = "";
  private server: Server | undefined;
  private ts = 1_000;
  baseUrl = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const method = new URL(req.url ?? "/", "http://x").pathname.replace(/^\/api\//, "");
      const failures = this.failing.get(method) ?? 0;
      if (failures > 0) {
        this.failing.set(method, failures - 1);
        req.resume();
        res.writeHead(500, { "content-type": "text/plain" });
        res.end("internal error");
        this.failed.push(method);
        return;
      }
      void this.handle(req).then((answer) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, "127.0.0.1", done));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  responseUrl(id: string): string {
    return `${this.baseUrl}/respond/${id}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  /** Calls of one method, optionally only those matching `where`. */
  called(method: string, where: (args: Record<string, unknown>) => boolean = () => true): Record<string, unknown>[] {
    return this.calls.filter((c) => c.method === method && where(c.args)).map((c) => c.args);
  }

  clear(): void {
    this.calls.length = 0;
    this.responses.length = 0;
  }

  private async handle(req: IncomingMessage): Promise<Record<string, unknown>> {
    const raw = await new Promise<string>((done) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => done(body));
    });
    const url = new URL(req.url ?? "/", this.baseUrl);
    const args = parseBody(raw, req.headers["content-type"] ?? "");
    if (url.pathname.startsWith("/respond/")) {
      this.responses.push({ id: url.pathname.slice("/respond/".length), body: args });
      return { ok: true };
    }
    const method = url.pathname.replace(/^\/api\//, "");
    this.calls.push({ method, args });
    switch (method) {
      case "auth.test":
        return { ok: true, user_id: "U0OFFBOARD", bot_id: "B0OFFBOARD", team_id: "T0TEAM", user: "offboard" };
      case "chat.postMessage": {
        const ts = `${++this.ts}.000100`;
        this.messages.set(`${String(args.channel)}:${ts}`, args);
        return { ok: true, channel: args.channel, ts, message: { text: args.text } };
      }
      case "chat.update":
        this.messages.set(`${String(args.channel)}:${String(args.ts)}`, { ...this.messages.get(`${String(args.channel)}:${String(args.ts)}`), ...args });
        return { ok: true, channel: args.channel, ts: args.ts };
      case "apps.connections.open":
        return { ok: true, url: this.connectionUrl };
      case "views.open":
        return { ok: true, view: { id: `V${++this.ts}` } };
      case "users.info":
        return { ok: true, user: { id: args.user, locale: this.locales.get(String(args.user)) ?? "en-US" } };
      case "usergroups.users.list":
        return { ok: true, users: this.groups.get(String(args.usergroup)) ?? [] };
      default:
        return { ok: true };
    }
  }
}

function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (!raw) return {};
  if (contentType.includes("application/json")) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    out[key] = /^[[{]/.test(value) ? parseOr(value) : value;
  }
  return out;
}

/** Slack's form-encoded arguments hold JSON for blocks; a text that merely starts like JSON stays text. */
function parseOr(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
