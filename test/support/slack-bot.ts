import { createHmac, randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { LogLevel, type Logger } from "@slack/bolt";
import { Ledger } from "../../src/connectors/ledger.ts";
import type { DatabaseHandle, Db } from "../../src/db/database.ts";
import { createStore } from "../../src/db/store.ts";
import type { SystemOfRecord } from "../../src/connectors/system-of-record.ts";
import type { Policy } from "../../src/domain/policy.ts";
import { ManualClock } from "../../src/services/clock.ts";
import { Scheduler } from "../../src/scheduler/scheduler.ts";
import { createSlackApp, type SlackApp } from "../../src/slack/app.ts";
import { Ids } from "../../src/slack/ids.ts";
import { createTestDatabase } from "./db.ts";
import { FakeSlack } from "./fake-slack.ts";

export const SIGNING_SECRET = "8f742231b10e8888abcd99ddeeff85a5";

/** The headers Slack signs a request with (v0 scheme), for a body sent as form or JSON. */
export function slackHeaders(body: string, options: { secret?: string; timestamp?: number; json?: boolean } = {}): Record<string, string> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    "content-type": options.json ? "application/json" : "application/x-www-form-urlencoded",
    "x-slack-signature": `v0=${createHmac("sha256", options.secret ?? SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest("hex")}`,
    "x-slack-request-timestamp": String(timestamp),
  };
}

/** What a person types in the deactivation form (see TestBot.openByForm). */
export interface OpenForm {
  kind: string;
  reason: string;
  requestedOn: string;
  askedBy?: string;
  confirmation?: string;
  thirdParty?: boolean | "as_shown";
}

/** The real Bolt app over HTTP, its Web API pointed at a fake Slack, on a fresh database. */
export class TestBot {
  readonly fake = new FakeSlack();
  handle!: DatabaseHandle & { url?: string };
  slack!: SlackApp;
  server!: Server;
  scheduler!: Scheduler;
  url = "";
  /** Every statement the bot's driver sent, in order (clear it to count one interaction's work). */
  readonly queries: string[] = [];
  /** Set before start() to see (or capture) the bot's logs. */
  logger: Logger | undefined;

  constructor(
    readonly policy: Policy,
    readonly clock = new ManualClock(new Date("2026-08-09T14:00:00Z")),
    /** The system of record the bot acts on; the ledger in its own database unless a test wraps it. */
    readonly systemOfRecord: (db: Db) => SystemOfRecord = (db) => new Ledger(db),
  ) {}

  get db() {
    return this.handle.prisma;
  }

  async start(): Promise<this> {
    this.handle = await createTestDatabase({ onQuery: (sql) => this.queries.push(sql) });
    const store = createStore(this.db);
    await this.fake.start();
    this.slack = createSlackApp({
      botToken: "xoxb-test-token",
      signingSecret: SIGNING_SECRET,
      apiUrl: this.fake.apiUrl,
      policy: this.policy,
      services: { store, clock: this.clock, policy: this.policy, sor: this.systemOfRecord(this.db) },
      retryConfig: { retries: 0 },
      ...(this.logger ? { logger: this.logger, logLevel: this.logger.getLevel() } : { logLevel: LogLevel.ERROR }),
    });
    await this.slack.app.init();
    this.scheduler = new Scheduler({ jobs: store.jobs, clock: this.clock, handlers: this.slack.jobHandlers, batchHandlers: this.slack.batchHandlers, onFailed: this.slack.onJobFailed, sweeps: [() => this.slack.deps.publisher.sweep()], pollMs: 10, workerId: "test" });
    this.server = (await this.slack.app.start(0)) as Server;
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/slack/events`;
    return this;
  }

  async stop(): Promise<void> {
    await this.slack?.app.stop().catch(() => {});
    await this.slack?.drain();
    await this.fake.stop();
    await this.handle?.close();
  }

  /** Runs every job due at the clock's time, as the scheduler's poll would. */
  async runDueJobs(): Promise<void> {
    while ((await this.scheduler.tick()) > 0);
  }

  /** Sends a signed request and waits until every listener it started has finished. */
  async send(body: string, options: { secret?: string; timestamp?: number; json?: boolean; url?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
    const response = await fetch(options.url ?? this.url, {
      method: "POST",
      headers: { ...slackHeaders(body, options), ...options.headers },
      body,
    });
    const text = await response.text();
    await this.slack.drain();
    return { status: response.status, body: text };
  }

  /** `/deactivate TEXT` typed by a user; returns the id of its response_url. */
  async command(userId: string, text: string, command = "/deactivate"): Promise<{ status: number; responseId: string }> {
    const responseId = randomUUID();
    const body = new URLSearchParams({
      token: "legacy",
      team_id: "T0TEAM",
      channel_id: "C0SOMEWHERE",
      user_id: userId,
      command,
      text,
      response_url: this.fake.responseUrl(responseId),
      trigger_id: `trigger-${responseId}`,
    }).toString();
    const { status } = await this.send(body);
    return { status, responseId };
  }

  /** An Events API callback, e.g. app_home_opened. */
  async event(event: Record<string, unknown>, options: { eventId?: string; retryNum?: number; url?: string } = {}): Promise<number> {
    const eventId = options.eventId ?? `Ev${randomUUID()}`;
    const body = JSON.stringify({ type: "event_callback", team_id: "T0TEAM", api_app_id: "A0APP", event, event_id: eventId, event_time: Math.floor(Date.now() / 1000) });
    const headers = options.retryNum ? { "x-slack-retry-num": String(options.retryNum), "x-slack-retry-reason": "http_timeout" } : undefined;
    return (await this.send(body, { json: true, ...(headers ? { headers } : {}), ...(options.url ? { url: options.url } : {}) })).status;
  }

  /** A click on a button; returns the id of its response_url. */
  async click(userId: string, actionId: string, value: string, options: { url?: string } = {}): Promise<{ status: number; responseId: string }> {
    const responseId = randomUUID();
    const payload = {
      type: "block_actions",
      team: { id: "T0TEAM" },
      user: { id: userId },
      api_app_id: "A0APP",
      trigger_id: `trigger-${responseId}`,
      response_url: this.fake.responseUrl(responseId),
      container: { type: "message" },
      actions: [{ type: "button", action_id: actionId, block_id: "b", value, action_ts: "1" }],
    };
    const { status } = await this.send(`payload=${encodeURIComponent(JSON.stringify(payload))}`, options);
    return { status, responseId };
  }

  /** Submits a modal; returns Bolt's answer (empty, or response_action errors). */
  async submit(
    userId: string,
    view: { callback_id: string; private_metadata?: string; id?: string },
    values: Record<string, Record<string, unknown>>,
    options: { url?: string } = {},
  ): Promise<{ status: number; answer: Record<string, unknown> | null }> {
    const payload = {
      type: "view_submission",
      team: { id: "T0TEAM" },
      user: { id: userId },
      api_app_id: "A0APP",
      view: { id: view.id ?? `V${randomUUID().slice(0, 8).toUpperCase()}`, type: "modal", callback_id: view.callback_id, private_metadata: view.private_metadata ?? "", state: { values } },
    };
    const { status, body } = await this.send(`payload=${encodeURIComponent(JSON.stringify(payload))}`, options);
    return { status, answer: body ? (JSON.parse(body) as Record<string, unknown>) : null };
  }

  /**
   * `/deactivate REF` and the form submitted, as a person fills it in: a kind,
   * a reason and the day the client asked, and any other field given. The
   * third-party box is left out unless given (`"as_shown"`: as the modal
   * pre-ticks it). `url`: the process to submit to. Returns the request it
   * opened; a refused form throws with Slack's answer.
   */
  async openByForm(userId: string, client: { ref: string; id?: string }, form: OpenForm, options: { url?: string } = {}) {
    await this.command(userId, client.ref);
    const modal = this.lastModal();
    const A = Ids.action;
    const B = Ids.block;
    const text = (value: string | undefined) => ({ value: value ?? null });
    const shown = modal.blocks.find((b) => b.block_id === B.thirdParty) as { element?: { initial_options?: unknown[] } } | undefined;
    const thirdParty = form.thirdParty === "as_shown" ? (shown?.element?.initial_options ?? []) : form.thirdParty ? [{ value: "yes" }] : [];
    const { answer } = await this.submit(
      userId,
      modal,
      {
        [B.kind]: { [A.kind]: { selected_option: { value: form.kind } } },
        [B.reason]: { [A.reason]: text(form.reason) },
        [B.requestedOn]: { [A.requestedOn]: { selected_date: form.requestedOn } },
        ...(form.askedBy !== undefined ? { [B.askedBy]: { [A.askedBy]: text(form.askedBy) } } : {}),
        ...(form.confirmation !== undefined ? { [B.confirmation]: { [A.confirmation]: text(form.confirmation) } } : {}),
        ...(form.thirdParty !== undefined ? { [B.thirdParty]: { [A.thirdParty]: { selected_options: thirdParty } } } : {}),
      },
      options,
    );
    if (answer) throw new Error(`the form was refused: ${JSON.stringify(answer)}`);
    return this.db.deactivationRequest.findFirstOrThrow({ where: client.id ? { clientId: client.id } : { client: { ref: client.ref } }, orderBy: { number: "desc" } });
  }

  /** Replies posted in request threads so far, as people read them. */
  threadLines(): string[] {
    return this.fake.called("chat.postMessage", (a) => Boolean(a.thread_ts)).map((a) => String(a.text));
  }

  /** A request's card (or approval card) as Slack shows it now. */
  async card(requestId: string, purpose: "card" | "approval" = "card"): Promise<Record<string, unknown>> {
    const post = await this.db.slackPost.findUniqueOrThrow({ where: { requestId_purpose: { requestId, purpose } } });
    const shown = this.fake.messages.get(`${post.channel}:${post.ts}`);
    if (!shown) throw new Error(`Slack shows no ${purpose} for request ${requestId}`);
    return shown;
  }

  /** What a response_url received (ephemeral replies). */
  responseTo(responseId: string): Record<string, unknown> | undefined {
    return this.fake.responses.find((r) => r.id === responseId)?.body;
  }

  /** The modal shown last (views.open, or the views.update that filled it in). */
  lastModal(): { callback_id: string; private_metadata: string; title: { text: string }; blocks: Record<string, unknown>[] } {
    // The form opens at once ("looking the client up…") and is then updated with the real content.
    const call = this.fake.calls.filter((c) => c.method === "views.open" || c.method === "views.update").at(-1)?.args;
    if (!call) throw new Error("no modal was opened");
    return call.view as ReturnType<TestBot["lastModal"]>;
  }
}

/** Every text in a list of blocks, joined: what a person would read. */
export function readable(blocks: unknown): string {
  const texts: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (typeof record.text === "string") texts.push(record.text);
      for (const [key, value] of Object.entries(record)) if (key !== "text" || typeof value !== "string") walk(value);
    }
  };
  walk(blocks);
  return texts.join("\n");
}

/** The action ids of the buttons in a list of blocks. */
export function buttons(blocks: unknown): string[] {
  const ids: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (record.type === "button" && typeof record.action_id === "string") ids.push(record.action_id);
      Object.values(record).forEach(walk);
    }
  };
  walk(blocks);
  return ids;
}
