import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebClient, type WebAPICallResult } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelRateLimiter, TriggerIds } from "../../src/sandbox/slack-rules.ts";
import { SandboxWebApi } from "../../src/sandbox/web-api.ts";
import { Workspace } from "../../src/sandbox/workspace.ts";
import { ManualClock } from "../../src/services/clock.ts";

const TOKEN = "xoxb-sandbox-test";
let realNow = 1_000_000;
const workspace = new Workspace(
  {
    company: "Acme",
    timezone: "America/Montevideo",
    botUserId: "U0BOT",
    users: [
      { id: "U0BOT", name: "Offboard", role: "staff", locale: "en-US", isBot: true },
      { id: "U0ANA", name: "Ana", role: "staff", locale: "es-ES" },
      { id: "U0MARTA", name: "Marta", role: "approver", locale: "es-ES" },
    ],
    usergroups: [{ id: "S0MANAGERS", handle: "managers", users: ["U0MARTA"] }],
    channels: [
      { id: "C0REQUESTS", name: "requests" },
      { id: "C0QUIET", name: "quiet" },
    ],
    withoutBot: ["C0QUIET"],
  },
  new ManualClock(new Date("2026-08-10T12:00:00Z")),
);
const triggers = new TriggerIds({ now: () => realNow });
const api = new SandboxWebApi(workspace, TOKEN, triggers, () => {}, new ChannelRateLimiter({ now: () => realNow }), () => realNow);
let server: Server;
let base = "";
let slack: WebClient;

beforeAll(async () => {
  server = createServer((req, res) => void api.handle(req, res, new URL(req.url ?? "/", "http://x").pathname));
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  slack = client(TOKEN);
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

function client(token: string): WebClient {
  return new WebClient(token, { slackApiUrl: `${base}/api/`, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
}

/** The Slack error code a call failed with (the Web API client throws it). */
async function errorOf(call: Promise<WebAPICallResult>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const data = (error as { data?: { error?: string }; code?: string }).data;
    return data?.error ?? (error as { code?: string }).code ?? String(error);
  }
  return "ok";
}

const modal = (title = "Deactivate") => ({ type: "modal" as const, title: { type: "plain_text" as const, text: title }, close: { type: "plain_text" as const, text: "Cancel" }, blocks: [{ type: "section", text: { type: "mrkdwn", text: "hi" } }] });

describe("the sandbox's Web API answers as Slack does", () => {
  it("checks the token", async () => {
    expect(await errorOf(client("xoxb-wrong").auth.test())).toBe("invalid_auth");
    expect((await slack.auth.test()).user_id).toBe("U0BOT");
  });

  it("posts to channels it is in, to a person's DM, and refuses the rest", async () => {
    const posted = await slack.chat.postMessage({ channel: "C0REQUESTS", text: "hello <@U0ANA>" });
    expect(workspace.message("C0REQUESTS", posted.ts!)?.text).toBe("hello <@U0ANA>");
    expect(await errorOf(slack.chat.postMessage({ channel: "C0NOWHERE", text: "x" }))).toBe("channel_not_found");
    expect(await errorOf(slack.chat.postMessage({ channel: "C0QUIET", text: "x" }))).toBe("not_in_channel");
    const dm = await slack.chat.postMessage({ channel: "U0ANA", text: "your request was approved" });
    expect(dm.channel).toBe(workspace.directChannel("U0ANA").id);
    expect(await errorOf(slack.chat.postMessage({ channel: "C0REQUESTS", text: "reply", thread_ts: "999.000001" }))).toBe("thread_not_found");
  });

  it("refuses blocks Slack refuses, with Slack's error and the place", async () => {
    const blocks = Array.from({ length: 51 }, () => ({ type: "divider" }));
    const refused = await slack.chat.postMessage({ channel: "C0REQUESTS", text: "x", blocks }).catch((e: { data: { error: string; errors: string[] } }) => e.data);
    expect(refused).toMatchObject({ error: "invalid_blocks" });
    expect((refused as { errors: string[] }).errors.join()).toContain("/blocks");
    expect(await errorOf(slack.chat.postMessage({ channel: "C0REQUESTS", blocks: [{ type: "not_a_block" }] } as never))).toBe("invalid_blocks");
    expect(await errorOf(slack.chat.postMessage({ channel: "C0REQUESTS", text: "" }))).toBe("no_text");
    const long = await slack.chat.postMessage({ channel: "C0REQUESTS", text: "x".repeat(40_001) });
    expect(long.response_metadata?.warnings).toEqual(["message_truncated"]);
    expect(workspace.message("C0REQUESTS", long.ts!)?.text).toHaveLength(40_000);
  });

  it("keeps message metadata and returns it from history and replies only when asked", async () => {
    const metadata = { event_type: "offboard_post", event_payload: { request_id: "r-1", purpose: "card" } };
    const card = await slack.chat.postMessage({ channel: "C0REQUESTS", text: "card", metadata });
    await slack.chat.postMessage({ channel: "C0REQUESTS", text: "reply", thread_ts: card.ts!, metadata: { event_type: "offboard_post", event_payload: { request_id: "r-1", seq: 1 } } });
    const history = await slack.conversations.history({ channel: "C0REQUESTS", include_all_metadata: true });
    expect(history.messages?.find((m) => m.ts === card.ts)?.metadata).toEqual(metadata);
    expect((await slack.conversations.history({ channel: "C0REQUESTS" })).messages?.find((m) => m.ts === card.ts)?.metadata).toBeUndefined();
    const replies = await slack.conversations.replies({ channel: "C0REQUESTS", ts: card.ts!, include_all_metadata: true });
    expect(replies.messages?.map((m) => [m.text, m.metadata?.event_payload])).toEqual([["card", metadata.event_payload], ["reply", { request_id: "r-1", seq: 1 }]]);
  });

  it("updates only messages that exist and are the bot's", async () => {
    expect(await errorOf(slack.chat.update({ channel: "C0REQUESTS", ts: "123.000001", text: "x" }))).toBe("message_not_found");
    const human = workspace.post({ channel: "C0REQUESTS", user: "U0ANA", text: "mine" });
    expect(await errorOf(slack.chat.update({ channel: "C0REQUESTS", ts: human.ts, text: "x" }))).toBe("cant_update_message");
  });

  it("limits a channel to about one message a second, with Retry-After", async () => {
    realNow += 60_000;
    const results: string[] = [];
    for (let i = 0; i < 7; i += 1) results.push(await errorOf(slack.chat.postMessage({ channel: "C0REQUESTS", text: `burst ${i}` })));
    expect(results).toEqual(["ok", "ok", "ok", "ok", "ok", "rate_limited", "rate_limited"].map((r) => (r === "rate_limited" ? expect.stringMatching(/rate/) : r)));
    const response = await fetch(`${base}/api/chat.postMessage`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ channel: "C0REQUESTS", text: "again" }) });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(await response.json()).toEqual({ ok: false, error: "ratelimited" });
    realNow += 1_000;
    expect(await errorOf(slack.chat.postMessage({ channel: "C0REQUESTS", text: "a second later" }))).toBe("ok");
  });

  it("opens a modal once per trigger, within 3 seconds, at most three stacked", async () => {
    const trigger = api.issueTrigger({ user: "U0ANA" });
    const opened = await slack.views.open({ trigger_id: trigger, view: modal() });
    expect(workspace.stack("U0ANA").map((m) => m.id)).toEqual([opened.view!.id]);
    expect(await errorOf(slack.views.open({ trigger_id: trigger, view: modal() }))).toBe("exchanged_trigger_id");
    const late = api.issueTrigger({ user: "U0ANA" });
    realNow += 3_001;
    expect(await errorOf(slack.views.open({ trigger_id: late, view: modal() }))).toBe("expired_trigger_id");
    expect(await errorOf(slack.views.open({ trigger_id: "1.2.abc", view: modal() }))).toBe("invalid_trigger_id");
    expect(await errorOf(slack.views.open({ trigger_id: api.issueTrigger({ user: "U0ANA" }), view: modal("A title that is far too long") }))).toBe("invalid_arguments");
    for (let i = 0; i < 2; i += 1) await slack.views.push({ trigger_id: api.issueTrigger({ user: "U0ANA" }), view: modal(`Step ${i}`) });
    expect(workspace.stack("U0ANA")).toHaveLength(3);
    expect(await errorOf(slack.views.push({ trigger_id: api.issueTrigger({ user: "U0ANA" }), view: modal("Fourth") }))).toBe("push_limit_reached");
  });

  it("updates a view by id with its hash, and refuses a stale hash", async () => {
    const opened = await slack.views.open({ trigger_id: api.issueTrigger({ user: "U0MARTA" }), view: modal() });
    const updated = await slack.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: modal("Looked up") });
    expect((updated.view!.title as { text: string }).text).toBe("Looked up");
    expect(await errorOf(slack.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: modal("Stale") }))).toBe("hash_conflict");
    expect(await errorOf(slack.views.update({ view_id: "V0NOPE", view: modal() }))).toBe("not_found");
  });

  it("publishes home tabs, answers users.info with the locale and user groups with their members", async () => {
    await slack.views.publish({ user_id: "U0ANA", view: { type: "home", blocks: [{ type: "section", text: { type: "mrkdwn", text: "home" } }] } });
    expect(workspace.home("U0ANA")).toMatchObject({ type: "home" });
    expect(await errorOf(slack.views.publish({ user_id: "U0ANA", view: modal() as never }))).toBe("invalid_arguments");
    expect((await slack.users.info({ user: "U0ANA", include_locale: true })).user).toMatchObject({ id: "U0ANA", locale: "es-ES" });
    expect(await errorOf(slack.users.info({ user: "U0NOBODY" }))).toBe("user_not_found");
    expect((await slack.usergroups.users.list({ usergroup: "S0MANAGERS" })).users).toEqual(["U0MARTA"]);
    expect(await errorOf(slack.usergroups.users.list({ usergroup: "S0NONE" }))).toBe("no_such_subteam");
    expect(await errorOf(slack.apiCall("files.upload"))).toBe("unknown_method");
  });

  it("takes response_url posts: ephemeral by default, five uses, then refused", async () => {
    realNow += 60_000;
    const url = api.issueResponseUrl(base, { user: "U0ANA", channel: "C0REQUESTS" });
    const post = (body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await post({ text: "only you see this" })).status).toBe(200);
    const shown = workspace.snapshot().messages.at(-1)!;
    expect(shown).toMatchObject({ channel: "C0REQUESTS", ephemeralTo: "U0ANA", text: "only you see this" });
    expect((await post({ text: "x", blocks: [{ type: "nope" }] })).status).toBe(400);
    for (let i = 0; i < 4; i += 1) expect((await post({ text: `again ${i}` })).status).toBe(200);
    const sixth = await post({ text: "sixth" });
    expect([sixth.status, await sixth.text()]).toEqual([404, "used_url"]);
    realNow += 31 * 60_000;
    const expired = await fetch(api.issueResponseUrl(base, { user: "U0ANA" }).replace(/R\d+$/, "R1"), { method: "POST", body: "{}" });
    expect(expired.status).toBe(404);
  });

  it("shows the errors the bot got on the page, with the method (the last 20)", () => {
    const errors = workspace.snapshot().errors;
    expect(errors.map((e) => `${e.method}:${e.error}`)).toEqual(
      expect.arrayContaining(["chat.postMessage:ratelimited", "views.open:expired_trigger_id", "usergroups.users.list:no_such_subteam", "response_url:used_url"]),
    );
  });
});
