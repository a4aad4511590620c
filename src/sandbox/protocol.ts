/**
 * What the sandbox's page and its server say to each other. Shared by both
 * sides (the browser bundle imports it too), so nothing here touches Node.
 *
 * Blocks, views and options are Slack's own JSON, exactly as the bot sent
 * them: the page renders what Slack would render.
 */

export type Locale = "en-US" | "es-ES" | "pt-BR";

export interface SandboxUser {
  id: string;
  /** Display name, as `<@U…>` shows it. */
  name: string;
  /** What the person does in the rehearsal: staff open requests, approvers decide, a stranger has no role. */
  role: "staff" | "approver" | "stranger";
  locale: Locale;
  isBot?: boolean;
}

export interface SandboxUsergroup {
  id: string;
  handle: string;
  users: string[];
}

export interface SandboxChannel {
  id: string;
  /** `requests`, `management`, … (without #). For a direct message with the bot: the person's id in `dmWith`. */
  name: string;
  dmWith?: string;
}

/** Slack's `view.state.values`: block_id → action_id → the element's value. */
export type ViewStateValues = Record<string, Record<string, ElementValue>>;

export interface ElementValue {
  type: string;
  value?: string | null;
  selected_option?: SlackOption | null;
  selected_options?: SlackOption[];
  selected_date?: string | null;
  selected_user?: string | null;
}

export interface SlackText {
  type: "plain_text" | "mrkdwn";
  text: string;
  emoji?: boolean;
}

export interface SlackOption {
  text: SlackText;
  value: string;
  description?: SlackText;
}

export interface SandboxMessage {
  channel: string;
  ts: string;
  /** Set on thread replies: the parent's ts. */
  threadTs?: string;
  /** Who posted it (the bot's user id for the bot). */
  user: string;
  text: string;
  blocks?: Record<string, unknown>[];
  /** Shown only to this person ("Only visible to you"). */
  ephemeralTo?: string;
  edited?: boolean;
  /** Slack message metadata the bot attached (it finds its own posts by it after a crash). */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

export interface SandboxModal {
  id: string;
  userId: string;
  /** Slack's view object as the bot sent it (type "modal"). */
  view: Record<string, unknown>;
  /** Inline errors from `response_action: errors`: block_id → message. */
  errors?: Record<string, string>;
}

export interface SandboxError {
  id: number;
  at: string;
  /** The Web API method (or "response_url"). */
  method: string;
  error: string;
  detail?: string;
}

export interface SandboxClock {
  /** The bot's current time (ISO 8601). */
  now: string;
  timezone: string;
}

export interface SandboxState {
  version: number;
  company: string;
  botUserId: string;
  users: SandboxUser[];
  usergroups: SandboxUsergroup[];
  channels: SandboxChannel[];
  /** Every message and reply, oldest first, ephemerals included (the page shows each only to its person). */
  messages: SandboxMessage[];
  /** Open modals per person, bottom of the stack first (at most 3). */
  modals: Record<string, SandboxModal[]>;
  /** The App Home view each person was shown by `views.publish`. */
  homes: Record<string, Record<string, unknown>>;
  clock: SandboxClock;
  /** Errors the bot got from the sandbox's Web API, newest last. */
  errors: SandboxError[];
}

/** Where an interaction happened, as Slack's `container`. */
export type ActionSource =
  | { kind: "message"; channel: string; ts: string }
  | { kind: "view"; viewId: string; values?: ViewStateValues }
  | { kind: "home"; values?: ViewStateValues };

/** An element's interaction, as Slack's `actions[0]` (without action_ts). */
export interface BlockAction {
  type: string;
  action_id: string;
  block_id: string;
  value?: string;
  selected_option?: SlackOption;
  selected_options?: SlackOption[];
  selected_date?: string;
  selected_user?: string;
}

/** What the page asks the server to do (POST /sandbox/act, JSON). */
export type PageRequest =
  | { type: "command"; user: string; channel: string; command: string; text: string }
  | { type: "block_actions"; user: string; source: ActionSource; action: BlockAction }
  | { type: "view_submission"; user: string; viewId: string; values: ViewStateValues }
  | { type: "view_closed"; user: string; viewId: string }
  | { type: "block_suggestion"; user: string; viewId: string; action_id: string; block_id: string; value: string }
  | { type: "app_home_opened"; user: string }
  | { type: "clock"; advance: "1h" | "1d" | "business_morning" }
  | { type: "clock"; to: string }
  | { type: "dismiss_error"; id: number };

export type PageAnswer =
  | { ok: true; options?: SlackOption[]; errors?: Record<string, string> }
  | { ok: false; error: string };
