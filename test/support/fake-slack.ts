import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
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
  /** Keys of `messages` in the order they were posted. */
  private readonly order: string[] = [];
  private readonly holds: Hold[] = [];
  private ts = 0;
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
      void this.handle(req, res).catch(() => {});
    });
    await new Promise<void>((done) => this.server!.listen(0, "127.0.0.1", done));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /**
   * Holds the next call of `method` (matching `where`) open until `release()`,
   * so the caller can be killed while it waits. `done` (the default): Slack
   * did it (a post is stored) and only the answer is held, as when the answer
   * is lost. `done: false`: the call waits before Slack does anything, and is
   * dropped if the caller is gone by the release.
   */
  hold(method: string, where: (args: Record<string, unknown>) => boolean = () => true, options: { done?: boolean } = {}): { arrived: Promise<Record<string, unknown>>; release(): void } {
    let arrived!: (args: Record<string, unknown>) => void;
    let release!: () => void;
    const hold: Hold = {
      method,
      where,
      done: options.done ?? true,
      arrived: (args) => arrived(args),
      released: new Promise<void>((resolve) => (release = resolve)),
    };
    const arrival = new Promise<Record<string, unknown>>((resolve) => (arrived = resolve));
    this.holds.push(hold);
    return {
      arrived: arrival,
      release: () => {
        if (this.holds.includes(hold)) this.holds.splice(this.holds.indexOf(hold), 1);
        release();
      },
    };
  }

  /** Top-level messages of a channel as conversations.history lists them: newest first. */
  history(channel: string): { ts: string; message: Record<string, unknown> }[] {
    return this.order
      .filter((key) => key.startsWith(`${channel}:`))
      .map((key) => ({ ts: key.slice(channel.length + 1), message: this.messages.get(key)! }))
      .filter(({ message }) => !message.thread_ts)
      .reverse();
  }

  /** A thread as conversations.replies lists it: the parent first, then its replies, oldest first. */
  thread(channel: string, ts: string): { ts: string; message: Record<string, unknown> }[] {
    return this.order
      .filter((key) => key.startsWith(`${channel}:`))
      .map((key) => ({ ts: key.slice(channel.length + 1), message: this.messages.get(key)! }))
      .filter(({ ts: at, message }) => at === ts || message.thread_ts === ts);
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

  /** Told of every Web API call as it is recorded (e.g. to note how much work came before it). */
  onCall: ((method: string, args: Record<string, unknown>) => void) | undefined;

  clear(): void {
    this.calls.length = 0;
    this.responses.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await new Promise<string>((done) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => done(body));
    });
    const url = new URL(req.url ?? "/", this.baseUrl);
    const args = parseBody(raw, req.headers["content-type"] ?? "");
    const reply = (answer: Record<string, unknown>) => {
      if (res.destroyed || req.socket.destroyed) return;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    };
    if (url.pathname.startsWith("/respond/")) {
      this.responses.push({ id: url.pathname.slice("/respond/".length), body: args });
      return reply({ ok: true });
    }
    const method = url.pathname.replace(/^\/api\//, "");
    const hold = this.holds.find((h) => h.method === method && !h.call && h.where(args));
    if (hold) {
      hold.call = args;
      hold.arrived(args);
      if (!hold.done) {
        await hold.released;
        if (res.destroyed || req.socket.destroyed) return;
      }
    }
    this.calls.push({ method, args });
    this.onCall?.(method, args);
    const answer = this.answer(method, args);
    if (hold?.done) await hold.released;
    reply(answer);
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case "auth.test":
        return { ok: true, user_id: "U0OFFBOARD", bot_id: "B0OFFBOARD", team_id: "T0TEAM", user: "offboard" };
      case "chat.postMessage": {
        // Like Slack's: seconds since the epoch, then a counter that keeps them apart.
        const ts = `${Math.floor(Date.now() / 1000)}.${String(++this.ts).padStart(6, "0")}`;
        this.messages.set(`${String(args.channel)}:${ts}`, args);
        this.order.push(`${String(args.channel)}:${ts}`);
        return { ok: true, channel: args.channel, ts, message: { text: args.text } };
      }
      case "conversations.history": {
        const oldest = Number(args.oldest ?? 0);
        return page(this.history(String(args.channel)).filter(({ ts }) => Number(ts) > oldest), args);
      }
      case "conversations.replies": {
        const thread = this.thread(String(args.channel), String(args.ts));
        return thread.length ? page(thread, args) : { ok: false, error: "thread_not_found" };
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

interface Hold {
  method: string;
  done: boolean;
  where: (args: Record<string, unknown>) => boolean;
  arrived: (args: Record<string, unknown>) => void;
  released: Promise<void>;
  call?: Record<string, unknown>;
}

/** One page of messages as Slack answers it (cursor, has_more); metadata only when asked for with include_all_metadata. */
function page(list: { ts: string; message: Record<string, unknown> }[], args: Record<string, unknown>): Record<string, unknown> {
  const from = Number(args.cursor ?? 0);
  const limit = Number(args.limit ?? 100);
  const withMetadata = args.include_all_metadata === true || args.include_all_metadata === "true";
  const messages = list.slice(from, from + limit).map(({ ts, message }) => {
    const { channel: _channel, metadata, blocks, text, thread_ts } = message;
    return { type: "message", user: "U0OFFBOARD", ts, text, ...(blocks ? { blocks } : {}), ...(thread_ts ? { thread_ts } : {}), ...(withMetadata && metadata ? { metadata } : {}) };
  });
  const more = from + limit < list.length;
  return { ok: true, messages, has_more: more, ...(more ? { response_metadata: { next_cursor: String(from + limit) } } : {}) };
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
