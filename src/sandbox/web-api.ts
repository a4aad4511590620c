import type { IncomingMessage, ServerResponse } from "node:http";
import { checkMessage, checkView, ChannelRateLimiter, type RuleResult, type TriggerIds } from "./slack-rules.ts";
import type { SandboxMessage } from "./protocol.ts";
import type { Workspace } from "./workspace.ts";

/** Who a trigger id or a response_url belongs to, and where it came from. */
export interface InteractionOrigin {
  user: string;
  channel?: string;
  /** The message a button was on (response_url's replace_original). */
  messageTs?: string;
}

/** Slack lets a response_url be used 5 times within 30 minutes. */
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

/** JSON-valued arguments Slack's Web API takes form-encoded. */
const JSON_ARGUMENTS = new Set(["blocks", "attachments", "view", "metadata"]);

type Answer = { status?: number; headers?: Record<string, string>; body: Record<string, unknown> };
type Args = Record<string, unknown>;

/**
 * The sandbox's Slack Web API (`/api/<method>`) and response URLs
 * (`/respond/<id>`): the methods Offboard calls, answering as Slack does,
 * errors included. Every error is also shown on the page and logged.
 */
export class SandboxWebApi {
  private readonly responseUrls = new Map<string, InteractionOrigin & { uses: number; expiresAt: number }>();
  private readonly triggerOwners = new Map<string, InteractionOrigin>();
  private responseSequence = 0;

  constructor(
    private readonly workspace: Workspace,
    private readonly botToken: string,
    private readonly triggers: TriggerIds,
    private readonly log: (line: string) => void,
    private readonly limiter = new ChannelRateLimiter(),
    private readonly realNow: () => number = Date.now,
  ) {}

  /** A trigger id for an interaction, valid 3 seconds and once (views.open/push). */
  issueTrigger(origin: InteractionOrigin): string {
    const id = this.triggers.issue();
    this.triggerOwners.set(id, origin);
    return id;
  }

  /** A response_url path for an interaction (commands and message buttons). */
  issueResponseUrl(baseUrl: string, origin: InteractionOrigin): string {
    const id = `R${++this.responseSequence}`;
    this.responseUrls.set(id, { ...origin, uses: 0, expiresAt: this.realNow() + RESPONSE_URL_LIFETIME_MS });
    return `${baseUrl}/respond/${id}`;
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const raw = await readBody(req);
    const args = parseArguments(raw, req.headers["content-type"] ?? "");
    if (path.startsWith("/respond/")) return this.respond(res, path.slice("/respond/".length), args);
    const method = path.replace(/^\/api\//, "");
    const token = (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "") || (typeof args.token === "string" ? args.token : "");
    let answer: Answer;
    if (!token) answer = fail("not_authed");
    else if (token !== this.botToken) answer = fail("invalid_auth");
    else answer = this.call(method, args);
    if (answer.body.ok === false) this.report(method, answer.body);
    res.writeHead(answer.status ?? 200, { "content-type": "application/json; charset=utf-8", ...answer.headers });
    res.end(JSON.stringify(answer.body));
  }

  private call(method: string, args: Args): Answer {
    switch (method) {
      case "auth.test":
        return ok({ url: "http://sandbox.slack.localhost/", team: this.workspace.setup.company, team_id: "T0SANDBOX", user: "offboard", user_id: this.workspace.botUserId, bot_id: "B0SANDBOX" });
      case "chat.postMessage":
        return this.postMessage(args);
      case "chat.postEphemeral":
        return this.postEphemeral(args);
      case "chat.update":
        return this.updateMessage(args);
      case "views.open":
      case "views.push":
        return this.openView(args, method === "views.open" ? "open" : "push");
      case "views.update":
        return this.updateView(args);
      case "views.publish":
        return this.publishHome(args);
      case "users.info":
        return this.userInfo(args);
      case "usergroups.users.list": {
        const group = this.workspace.usergroup(String(args.usergroup ?? ""));
        return group ? ok({ users: group.users }) : fail("no_such_subteam");
      }
      case "conversations.history":
      case "conversations.replies":
        return this.history(args, method === "conversations.replies");
      default:
        return fail("unknown_method");
    }
  }

  /** `channel` may be a channel id, a DM id, or a person's id (their DM with the bot). */
  private resolveChannel(value: unknown): { id: string } | Answer {
    const id = typeof value === "string" ? value : "";
    if (!id) return fail("channel_not_found");
    if (/^[UW]/.test(id)) {
      if (!this.workspace.user(id)) return fail("channel_not_found");
      return { id: this.workspace.directChannel(id).id };
    }
    if (!this.workspace.channel(id)) return fail("channel_not_found");
    if (!this.workspace.isMember(id, this.workspace.botUserId)) return fail("not_in_channel");
    return { id };
  }

  private postMessage(args: Args): Answer {
    const channel = this.resolveChannel(args.channel);
    if ("body" in channel) return channel;
    const rule = checkMessage(args);
    if (!rule.ok) return refused(rule);
    const threadTs = typeof args.thread_ts === "string" && args.thread_ts ? args.thread_ts : undefined;
    if (threadTs && !this.workspace.message(channel.id, threadTs)) return fail("thread_not_found");
    const taken = this.limiter.take(channel.id);
    if (!taken.ok) return { status: 429, headers: { "retry-after": String(taken.retryAfterSeconds) }, body: { ok: false, error: "ratelimited" } };
    // Slack cuts a text over 40,000 characters and says so in a warning.
    const content = { ...messageContent(args), ...(rule.truncatedText !== undefined ? { text: rule.truncatedText } : {}) };
    const message = this.workspace.post({ channel: channel.id, user: this.workspace.botUserId, ...content, ...(threadTs ? { threadTs } : {}) });
    return ok({ channel: channel.id, ts: message.ts, message: shown(message), ...(rule.warnings?.length ? { warning: rule.warnings.join(","), response_metadata: { warnings: rule.warnings } } : {}) });
  }

  private postEphemeral(args: Args): Answer {
    const channel = this.resolveChannel(args.channel);
    if ("body" in channel) return channel;
    const user = String(args.user ?? "");
    if (!this.workspace.user(user)) return fail("user_not_found");
    if (!this.workspace.isMember(channel.id, user)) return fail("user_not_in_channel");
    const rule = checkMessage(args);
    if (!rule.ok) return refused(rule);
    const message = this.workspace.post({ channel: channel.id, user: this.workspace.botUserId, ephemeralTo: user, ...messageContent(args) });
    return ok({ message_ts: message.ts });
  }

  private updateMessage(args: Args): Answer {
    const channel = this.resolveChannel(args.channel);
    if ("body" in channel) return channel;
    const existing = this.workspace.message(channel.id, String(args.ts ?? ""));
    if (!existing) return fail("message_not_found");
    if (existing.user !== this.workspace.botUserId) return fail("cant_update_message");
    const rule = checkMessage({ text: existing.text, ...args });
    if (!rule.ok) return refused(rule);
    const { metadata } = messageContent(args);
    const updated = this.workspace.update(channel.id, existing.ts, {
      ...(typeof args.text === "string" ? { text: args.text } : {}),
      ...(Array.isArray(args.blocks) ? { blocks: args.blocks as Record<string, unknown>[] } : {}),
      ...(metadata ? { metadata } : {}),
    })!;
    return ok({ channel: channel.id, ts: updated.ts, text: updated.text, message: shown(updated) });
  }

  private openView(args: Args, mode: "open" | "push"): Answer {
    const triggerId = String(args.trigger_id ?? "");
    const trigger = this.triggers.use(triggerId);
    if (trigger !== "ok") return fail(trigger);
    const owner = this.triggerOwners.get(triggerId);
    if (!owner) return fail("invalid_trigger_id");
    const rule = checkView(args.view, "modal");
    if (!rule.ok) return refused(rule);
    const opened = this.workspace.openView(owner.user, args.view as Args, mode);
    if (opened === "push_limit_reached") return fail("push_limit_reached");
    return ok({ view: opened.view });
  }

  private updateView(args: Args): Answer {
    const modal =
      typeof args.view_id === "string" && args.view_id
        ? this.workspace.findView(args.view_id)
        : typeof args.external_id === "string" && args.external_id
          ? this.workspace.findViewByExternalId(args.external_id)
          : undefined;
    if (!modal) return fail("not_found");
    if (typeof args.hash === "string" && args.hash && args.hash !== modal.view.hash) return fail("hash_conflict");
    const rule = checkView(args.view, "modal");
    if (!rule.ok) return refused(rule);
    return ok({ view: this.workspace.replaceView(modal, args.view as Args).view });
  }

  private publishHome(args: Args): Answer {
    const user = String(args.user_id ?? "");
    if (!this.workspace.user(user)) return fail("user_not_found");
    const rule = checkView(args.view, "home");
    if (!rule.ok) return refused(rule);
    return ok({ view: this.workspace.publishHome(user, args.view as Args) });
  }

  private userInfo(args: Args): Answer {
    const user = this.workspace.user(String(args.user ?? ""));
    if (!user) return fail("user_not_found");
    return ok({
      user: {
        id: user.id,
        name: user.name.toLowerCase(),
        real_name: user.name,
        is_bot: user.isBot ?? false,
        tz: this.workspace.setup.timezone,
        profile: { display_name: user.name, real_name: user.name },
        ...(args.include_locale === true || args.include_locale === "true" ? { locale: user.locale } : {}),
      },
    });
  }

  private history(args: Args, replies: boolean): Answer {
    const channel = this.resolveChannel(args.channel);
    if ("body" in channel) return channel;
    const snapshot = this.workspace.snapshot().messages.filter((m) => m.channel === channel.id && !m.ephemeralTo);
    const parent = String(args.ts ?? "");
    const found = replies ? snapshot.filter((m) => m.ts === parent || m.threadTs === parent) : snapshot.filter((m) => !m.threadTs);
    if (replies && !found.length) return fail("thread_not_found");
    const withMetadata = args.include_all_metadata === true;
    return ok({ messages: (replies ? found : found.reverse()).map((m) => shown(m, withMetadata)), has_more: false });
  }

  /** A response_url post: an ephemeral answer (the default), a message in the channel, or the original replaced. */
  private respond(res: ServerResponse, id: string, args: Args): void {
    const origin = this.responseUrls.get(id);
    const end = (status: number, text: string) => {
      if (status !== 200) this.report("response_url", { error: text });
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
      res.end(text);
    };
    if (!origin || origin.expiresAt < this.realNow()) return end(404, "expired_url");
    if (origin.uses >= RESPONSE_URL_USES) return end(404, "used_url");
    const rule = args.delete_original === true ? { ok: true as const } : checkMessage(args);
    if (!rule.ok) return end(400, rule.error);
    origin.uses += 1;
    const channel = origin.channel ?? this.workspace.directChannel(origin.user).id;
    if ((args.replace_original === true || args.delete_original === true) && origin.messageTs) {
      this.workspace.update(channel, origin.messageTs, args.delete_original === true ? { text: "", blocks: [] } : messageContent(args));
    } else if (args.response_type === "in_channel") {
      this.workspace.post({ channel, user: this.workspace.botUserId, ...messageContent(args), ...(typeof args.thread_ts === "string" ? { threadTs: args.thread_ts } : {}) });
    } else {
      this.workspace.post({ channel, user: this.workspace.botUserId, ephemeralTo: origin.user, ...messageContent(args) });
    }
    end(200, "ok");
  }

  private report(method: string, body: Record<string, unknown>): void {
    const detail = Array.isArray(body.errors) ? body.errors.join("; ") : undefined;
    const error = String(body.error ?? "error");
    this.workspace.recordError(method, error, detail);
    this.log(`sandbox Slack: ${method} answered ${error}${detail ? ` (${detail})` : ""}`);
  }
}

function ok(body: Record<string, unknown>): Answer {
  return { body: { ok: true, ...body } };
}

function fail(error: string): Answer {
  return { body: { ok: false, error } };
}

function refused(rule: Exclude<RuleResult, { ok: true }>): Answer {
  return { body: { ok: false, error: rule.error, errors: rule.errors, response_metadata: { messages: rule.errors.map((e) => `[ERROR] ${e}`) } } };
}

function messageContent(args: Args): Pick<SandboxMessage, "text" | "blocks" | "metadata"> {
  const metadata = args.metadata && typeof args.metadata === "object" ? (args.metadata as SandboxMessage["metadata"]) : undefined;
  return {
    text: typeof args.text === "string" ? args.text : "",
    ...(Array.isArray(args.blocks) ? { blocks: args.blocks as Record<string, unknown>[] } : {}),
    ...(metadata ? { metadata } : {}),
  };
}

/** A message as the Web API returns it; metadata only when asked for (include_all_metadata), as Slack does. */
function shown(message: SandboxMessage, withMetadata = false): Record<string, unknown> {
  return {
    type: "message",
    user: message.user,
    text: message.text,
    ts: message.ts,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
    ...(withMetadata && message.metadata ? { metadata: message.metadata } : {}),
  };
}

export async function readBody(req: IncomingMessage, limit = 2_000_000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error("request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The Web API takes form-encoded arguments (JSON-valued ones as JSON text) or a JSON body. */
export function parseArguments(raw: string, contentType: string): Args {
  if (!raw) return {};
  if (contentType.includes("application/json")) {
    try {
      const parsed = JSON.parse(raw) as unknown;
      return parsed && typeof parsed === "object" ? (parsed as Args) : {};
    } catch {
      return {};
    }
  }
  const out: Args = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (JSON_ARGUMENTS.has(key)) {
      try {
        out[key] = JSON.parse(value) as unknown;
      } catch {
        out[key] = value;
      }
    } else out[key] = value === "true" ? true : value === "false" ? false : value;
  }
  return out;
}
