import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import type { EventSender } from "./event-sender.ts";
import type { PageAnswer, PageRequest } from "./protocol.ts";
import { readBody, type SandboxWebApi } from "./web-api.ts";
import type { Workspace } from "./workspace.ts";
import type { PageAssets } from "./page.ts";

/** What the page's clock control asks of the sandbox. */
export type ClockMove = { advance: "1h" | "1d" | "business_morning" } | { to: string };

export interface SandboxServerDeps {
  workspace: Workspace;
  api: SandboxWebApi;
  sender: EventSender;
  assets: PageAssets;
  moveClock(move: ClockMove): Promise<PageAnswer>;
  log(line: string): void;
}

// What the page may send: anything else is refused with what is wrong, and nothing happens.
const id = z.string().min(1).max(64);
const stateValues = z.record(z.string().max(255), z.record(z.string().max(255), z.looseObject({ type: z.string().max(64) })));
const option = z.looseObject({ value: z.string().max(2000), text: z.looseObject({ text: z.string().max(2000) }) });
const action = z.object({
  type: z.string().max(64),
  action_id: z.string().max(255),
  block_id: z.string().max(255),
  value: z.string().max(2000).optional(),
  selected_option: option.optional(),
  selected_options: z.array(option).max(100).optional(),
  selected_date: z.string().max(10).optional(),
  selected_user: z.string().max(64).optional(),
});
const pageRequest = z.discriminatedUnion("type", [
  z.object({ type: z.literal("command"), user: id, channel: id, command: z.enum(["/deactivate", "/reactivate"]), text: z.string().max(4000) }),
  z.object({
    type: z.literal("block_actions"),
    user: id,
    source: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("message"), channel: id, ts: id }),
      z.object({ kind: z.literal("view"), viewId: id, values: stateValues.optional() }),
      z.object({ kind: z.literal("home"), values: stateValues.optional() }),
    ]),
    action,
  }),
  z.object({ type: z.literal("view_submission"), user: id, viewId: id, values: stateValues }),
  z.object({ type: z.literal("view_closed"), user: id, viewId: id }),
  z.object({ type: z.literal("block_suggestion"), user: id, viewId: id, action_id: z.string().max(255), block_id: z.string().max(255), value: z.string().max(500) }),
  z.object({ type: z.literal("app_home_opened"), user: id }),
  z
    .object({ type: z.literal("clock"), advance: z.enum(["1h", "1d", "business_morning"]).optional(), to: z.string().max(40).optional() })
    .refine((c) => (c.advance === undefined) !== (c.to === undefined), "say either how far to advance or the date to go to"),
  z.object({ type: z.literal("dismiss_error"), id: z.number().int() }),
]);

/**
 * The sandbox's one HTTP server on 127.0.0.1: the page, its live state, what
 * the page asks for, and Slack's Web API and response URLs for the bot.
 */
export class SandboxServer {
  private server: Server | undefined;
  private readonly streams = new Set<ServerResponse>();
  private pending: NodeJS.Timeout | undefined;
  url = "";

  constructor(private readonly deps: SandboxServerDeps) {
    deps.workspace.onChange(() => this.schedulePush());
  }

  async listen(port: number, host = "127.0.0.1"): Promise<string> {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        this.deps.log(`sandbox: ${req.method} ${req.url} failed: ${(error as Error).message}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end("the sandbox failed; see its log");
      });
    });
    await new Promise<void>((done, fail) => {
      this.server!.once("error", fail);
      this.server!.listen(port, host, () => done());
    });
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    if (this.pending) clearTimeout(this.pending);
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server!.close(() => done()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://sandbox").pathname;
    // Only pages on this machine: a site elsewhere reaching 127.0.0.1 by a rebound name is refused.
    if (!/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(req.headers.host ?? "")) return plain(res, 421, "the sandbox answers on 127.0.0.1 only");
    if (req.method === "POST" && (path.startsWith("/api/") || path.startsWith("/respond/"))) return this.deps.api.handle(req, res, path);
    if (req.method === "POST" && path === "/sandbox/act") return this.act(req, res);
    if (req.method !== "GET" && req.method !== "HEAD") return plain(res, 405, "method not allowed");
    switch (path) {
      case "/":
        return send(res, 200, "text/html; charset=utf-8", this.deps.assets.html);
      case "/app.js":
        return send(res, 200, "text/javascript; charset=utf-8", this.deps.assets.script);
      case "/app.css":
        return send(res, 200, "text/css; charset=utf-8", this.deps.assets.style);
      case "/sandbox/state":
        return send(res, 200, "application/json; charset=utf-8", JSON.stringify(this.deps.workspace.snapshot()));
      case "/sandbox/stream":
        return this.stream(res);
      default:
        return plain(res, 404, "not found");
    }
  }

  private async act(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // JSON only: a browser cannot send that from another site without asking first (CORS), and nothing here says yes.
    if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return json(res, 415, { ok: false, error: "send JSON (content-type: application/json)" });
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, 200_000));
    } catch {
      return json(res, 400, { ok: false, error: "the request is not JSON" });
    }
    const parsed = pageRequest.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return json(res, 400, { ok: false, error: `not a sandbox request: ${issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "unreadable"}` });
    }
    const answer = await this.perform(parsed.data as PageRequest);
    json(res, answer.ok ? 200 : 422, answer);
  }

  private perform(request: PageRequest): Promise<PageAnswer> {
    const { sender, workspace } = this.deps;
    if ("user" in request && !workspace.user(request.user)) return Promise.resolve({ ok: false, error: `nobody in this workspace is ${request.user}` });
    switch (request.type) {
      case "command":
        if (!workspace.channel(request.channel)) return Promise.resolve({ ok: false, error: "no such channel" });
        return sender.command(request.user, request.channel, request.command, request.text);
      case "block_actions":
        return sender.blockActions(request.user, request.source, request.action);
      case "view_submission":
        return sender.viewSubmission(request.user, request.viewId, request.values);
      case "view_closed":
        return sender.viewClosed(request.user, request.viewId);
      case "block_suggestion":
        return sender.blockSuggestion(request.user, request.viewId, request.action_id, request.block_id, request.value);
      case "app_home_opened":
        return sender.appHomeOpened(request.user);
      case "clock":
        return this.deps.moveClock("to" in request && request.to !== undefined ? { to: request.to } : { advance: (request as { advance: "1h" | "1d" | "business_morning" }).advance });
      case "dismiss_error":
        workspace.dismissError(request.id);
        return Promise.resolve({ ok: true });
    }
  }

  /** Server-sent events: the whole state, again after every change (coalesced). */
  private stream(res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    res.write(`data: ${JSON.stringify(this.deps.workspace.snapshot())}\n\n`);
    this.streams.add(res);
    res.on("close", () => this.streams.delete(res));
  }

  private schedulePush(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      const data = `data: ${JSON.stringify(this.deps.workspace.snapshot())}\n\n`;
      for (const stream of this.streams) stream.write(data);
    }, 25);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(body);
}

function plain(res: ServerResponse, status: number, text: string): void {
  send(res, status, "text/plain; charset=utf-8", text);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(body));
}
