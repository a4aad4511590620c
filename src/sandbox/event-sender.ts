import { createHmac, randomUUID } from "node:crypto";
import type { ActionSource, BlockAction, PageAnswer, SlackOption, ViewStateValues } from "./protocol.ts";
import type { SandboxWebApi } from "./web-api.ts";
import type { Workspace } from "./workspace.ts";

/** Slack gives up on an app that has not answered within 3 seconds. */
const SLACK_TIMEOUT_MS = 3_000;
const TEAM = { id: "T0SANDBOX", domain: "sandbox" };
const APP_ID = "A0SANDBOX";

/**
 * Sends the bot what Slack would: slash commands, interactions and events,
 * signed with the app's signing secret (v0), to its `/slack/events`. Then it
 * does with the answer what Slack does (modal errors, stacked views, options).
 */
export class EventSender {
  constructor(
    private readonly botUrl: () => string,
    private readonly signingSecret: string,
    private readonly workspace: Workspace,
    private readonly api: SandboxWebApi,
    private readonly baseUrl: () => string,
  ) {}

  async command(user: string, channel: string, command: string, text: string): Promise<PageAnswer> {
    const origin = { user, channel };
    const body = new URLSearchParams({
      token: "sandbox",
      team_id: TEAM.id,
      team_domain: TEAM.domain,
      channel_id: channel,
      channel_name: this.workspace.channel(channel)?.name ?? channel,
      user_id: user,
      user_name: this.workspace.user(user)?.name ?? user,
      command,
      text,
      api_app_id: APP_ID,
      is_enterprise_install: "false",
      response_url: this.api.issueResponseUrl(this.baseUrl(), origin),
      trigger_id: this.api.issueTrigger(origin),
    }).toString();
    const answer = await this.send(body, "application/x-www-form-urlencoded", command);
    if (!answer.ok) return answer;
    // An acknowledgement with content is shown to the person alone, as Slack does.
    if (answer.text) {
      const parsed = parseJson(answer.text);
      const content = parsed ?? { text: answer.text };
      this.workspace.post({ channel, user: this.workspace.botUserId, ephemeralTo: user, text: String(content.text ?? ""), ...(Array.isArray(content.blocks) ? { blocks: content.blocks as Record<string, unknown>[] } : {}) });
    }
    return { ok: true };
  }

  async blockActions(user: string, source: ActionSource, action: BlockAction): Promise<PageAnswer> {
    const common = {
      type: "block_actions",
      team: TEAM,
      user: this.person(user),
      api_app_id: APP_ID,
      token: "sandbox",
      actions: [{ ...action, action_ts: (Date.now() / 1000).toFixed(6) }],
    };
    let payload: Record<string, unknown>;
    if (source.kind === "message") {
      const message = this.workspace.message(source.channel, source.ts);
      if (!message) return { ok: false, error: "that message is gone" };
      const origin = { user, channel: source.channel, messageTs: source.ts };
      payload = {
        ...common,
        container: { type: "message", message_ts: source.ts, channel_id: source.channel, is_ephemeral: false },
        channel: { id: source.channel, name: this.workspace.channel(source.channel)?.name ?? source.channel },
        message: { type: "message", user: message.user, ts: message.ts, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}), ...(message.threadTs ? { thread_ts: message.threadTs } : {}) },
        state: { values: {} },
        trigger_id: this.api.issueTrigger(origin),
        response_url: this.api.issueResponseUrl(this.baseUrl(), origin),
      };
    } else if (source.kind === "view") {
      const modal = this.workspace.findView(source.viewId);
      if (!modal || modal.userId !== user) return { ok: false, error: "that form is closed" };
      payload = { ...common, container: { type: "view", view_id: modal.id }, view: this.viewPayload(modal.view, source.values ?? {}), trigger_id: this.api.issueTrigger({ user }) };
    } else {
      const home = this.workspace.home(user);
      if (!home) return { ok: false, error: "the home tab is not published" };
      payload = { ...common, container: { type: "view", view_id: home.id }, view: this.viewPayload(home, source.values ?? {}), trigger_id: this.api.issueTrigger({ user }) };
    }
    const answer = await this.send(`payload=${encodeURIComponent(JSON.stringify(payload))}`, "application/x-www-form-urlencoded", `block_actions ${action.action_id}`);
    return answer.ok ? { ok: true } : answer;
  }

  async viewSubmission(user: string, viewId: string, values: ViewStateValues): Promise<PageAnswer> {
    const modal = this.workspace.findView(viewId);
    if (!modal || modal.userId !== user) return { ok: false, error: "that form is closed" };
    const payload = { type: "view_submission", team: TEAM, user: this.person(user), api_app_id: APP_ID, token: "sandbox", trigger_id: this.api.issueTrigger({ user }), view: this.viewPayload(modal.view, values), response_urls: [] };
    const answer = await this.send(`payload=${encodeURIComponent(JSON.stringify(payload))}`, "application/x-www-form-urlencoded", "view_submission");
    if (!answer.ok) return answer;
    const response = answer.text ? parseJson(answer.text) : null;
    switch (response?.response_action) {
      case "errors": {
        const errors = (response.errors ?? {}) as Record<string, string>;
        this.workspace.setViewErrors(viewId, errors);
        return { ok: true, errors };
      }
      case "update":
        this.workspace.replaceView(modal, response.view as Record<string, unknown>);
        return { ok: true };
      case "push": {
        const pushed = this.workspace.openView(user, response.view as Record<string, unknown>, "push");
        return pushed === "push_limit_reached" ? { ok: false, error: "push_limit_reached" } : { ok: true };
      }
      case "clear":
        this.workspace.closeView(viewId, true);
        return { ok: true };
      default:
        this.workspace.closeView(viewId);
        return { ok: true };
    }
  }

  /** Closing a modal: Slack tells the app only when the view asked (notify_on_close). */
  async viewClosed(user: string, viewId: string): Promise<PageAnswer> {
    const modal = this.workspace.findView(viewId);
    if (!modal || modal.userId !== user) return { ok: true };
    this.workspace.closeView(viewId);
    if (modal.view.notify_on_close !== true) return { ok: true };
    const payload = { type: "view_closed", team: TEAM, user: this.person(user), api_app_id: APP_ID, token: "sandbox", view: this.viewPayload(modal.view, {}), is_cleared: false };
    const answer = await this.send(`payload=${encodeURIComponent(JSON.stringify(payload))}`, "application/x-www-form-urlencoded", "view_closed");
    return answer.ok ? { ok: true } : answer;
  }

  async blockSuggestion(user: string, viewId: string, actionId: string, blockId: string, value: string): Promise<PageAnswer> {
    const modal = this.workspace.findView(viewId);
    if (!modal || modal.userId !== user) return { ok: false, error: "that form is closed" };
    const payload = { type: "block_suggestion", team: TEAM, user: this.person(user), api_app_id: APP_ID, token: "sandbox", container: { type: "view", view_id: viewId }, action_id: actionId, block_id: blockId, value, view: this.viewPayload(modal.view, {}) };
    const answer = await this.send(`payload=${encodeURIComponent(JSON.stringify(payload))}`, "application/x-www-form-urlencoded", "block_suggestion");
    if (!answer.ok) return answer;
    const response = answer.text ? parseJson(answer.text) : null;
    const options = Array.isArray(response?.options)
      ? (response.options as SlackOption[])
      : Array.isArray(response?.option_groups)
        ? (response.option_groups as { options: SlackOption[] }[]).flatMap((g) => g.options)
        : [];
    return { ok: true, options };
  }

  async appHomeOpened(user: string): Promise<PageAnswer> {
    const channel = this.workspace.directChannel(user).id;
    const body = JSON.stringify({
      token: "sandbox",
      team_id: TEAM.id,
      api_app_id: APP_ID,
      type: "event_callback",
      event_id: `Ev${randomUUID().replace(/-/g, "").slice(0, 10).toUpperCase()}`,
      event_time: Math.floor(Date.now() / 1000),
      event: { type: "app_home_opened", user, channel, tab: "home", event_ts: (Date.now() / 1000).toFixed(6), ...(this.workspace.home(user) ? { view: this.workspace.home(user) } : {}) },
    });
    const answer = await this.send(body, "application/json", "app_home_opened");
    return answer.ok ? { ok: true } : answer;
  }

  private person(user: string) {
    return { id: user, username: this.workspace.user(user)?.name.toLowerCase() ?? user, name: this.workspace.user(user)?.name ?? user, team_id: TEAM.id };
  }

  private viewPayload(view: Record<string, unknown>, values: ViewStateValues): Record<string, unknown> {
    return { ...view, team_id: TEAM.id, app_id: APP_ID, bot_id: "B0SANDBOX", state: { values } };
  }

  /** Posts a signed request; a non-2xx answer or no answer within 3 s is what Slack would show as an error. */
  private async send(body: string, contentType: string, what: string): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac("sha256", this.signingSecret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
    try {
      const response = await fetch(this.botUrl(), {
        method: "POST",
        headers: { "content-type": contentType, "x-slack-signature": signature, "x-slack-request-timestamp": String(timestamp) },
        body,
        signal: AbortSignal.timeout(SLACK_TIMEOUT_MS),
      });
      const text = await response.text();
      if (!response.ok) {
        this.workspace.recordError(what, `http_${response.status}`, "the app answered with an error status");
        return { ok: false, error: `the app answered ${response.status}` };
      }
      return { ok: true, text };
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      const code = timedOut ? "operation_timeout" : "dispatch_failed";
      this.workspace.recordError(what, code, timedOut ? "the app did not answer within 3 seconds" : (error as Error).message);
      return { ok: false, error: code };
    }
  }
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
