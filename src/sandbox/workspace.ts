import type { Clock } from "../services/clock.ts";
import type { SandboxChannel, SandboxError, SandboxMessage, SandboxModal, SandboxState, SandboxUser, SandboxUsergroup } from "./protocol.ts";

/** Slack stacks at most three modals. */
export const MAX_STACKED_VIEWS = 3;
const KEPT_ERRORS = 20;

export interface WorkspaceSetup {
  company: string;
  timezone: string;
  botUserId: string;
  users: SandboxUser[];
  usergroups: SandboxUsergroup[];
  /** Named channels; the bot is a member of each unless listed in `withoutBot`. */
  channels: SandboxChannel[];
  withoutBot?: string[];
}

/**
 * What the sandbox's Slack workspace holds: people, channels, messages,
 * modals and home tabs. Its Web API writes here; the page reads a snapshot.
 * Every change bumps the version and tells the listeners (the page's stream).
 */
export class Workspace {
  private readonly messages: SandboxMessage[] = [];
  private readonly modals = new Map<string, SandboxModal[]>();
  private readonly homes = new Map<string, Record<string, unknown>>();
  private readonly errors: SandboxError[] = [];
  private readonly channels: SandboxChannel[];
  private readonly members = new Map<string, Set<string>>();
  private readonly listeners = new Set<() => void>();
  private version = 0;
  private sequence = 0;
  private errorSequence = 0;

  constructor(
    readonly setup: WorkspaceSetup,
    readonly clock: Clock,
  ) {
    this.channels = [...setup.channels];
    const everyone = setup.users.map((u) => u.id);
    for (const channel of setup.channels) {
      const members = new Set(everyone);
      if (setup.withoutBot?.includes(channel.id)) members.delete(setup.botUserId);
      this.members.set(channel.id, members);
    }
    // Everyone can talk to the bot from the start, as once the app is installed.
    for (const user of setup.users) if (!user.isBot) this.directChannel(user.id);
  }

  get botUserId(): string {
    return this.setup.botUserId;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Something outside the workspace changed what the page shows (the clock). */
  changed(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }

  user(id: string): SandboxUser | undefined {
    return this.setup.users.find((u) => u.id === id);
  }

  usergroup(id: string): SandboxUsergroup | undefined {
    return this.setup.usergroups.find((g) => g.id === id);
  }

  channel(id: string): SandboxChannel | undefined {
    return this.channels.find((c) => c.id === id);
  }

  isMember(channelId: string, userId: string): boolean {
    return this.members.get(channelId)?.has(userId) ?? false;
  }

  /** The direct-message channel between the bot and a person, opened on first use as in Slack. */
  directChannel(userId: string): SandboxChannel {
    const existing = this.channels.find((c) => c.dmWith === userId);
    if (existing) return existing;
    const channel: SandboxChannel = { id: `D${userId.replace(/^[UW]/, "")}`, name: this.user(userId)?.name ?? userId, dmWith: userId };
    this.channels.push(channel);
    this.members.set(channel.id, new Set([userId, this.botUserId]));
    this.changed();
    return channel;
  }

  /** A new message ts: seconds of the bot's clock, then a sequence, so order and time both show. */
  private nextTs(): string {
    this.sequence += 1;
    return `${Math.floor(this.clock.now().getTime() / 1000)}.${String(this.sequence).padStart(6, "0")}`;
  }

  post(message: Omit<SandboxMessage, "ts">): SandboxMessage {
    const posted: SandboxMessage = { ...message, ts: this.nextTs() };
    this.messages.push(posted);
    this.changed();
    return posted;
  }

  message(channel: string, ts: string): SandboxMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts && !m.ephemeralTo);
  }

  update(channel: string, ts: string, change: Partial<Pick<SandboxMessage, "text" | "blocks" | "metadata">>): SandboxMessage | undefined {
    const message = this.message(channel, ts);
    if (!message) return undefined;
    if (change.text !== undefined) message.text = change.text;
    if (change.blocks !== undefined) message.blocks = change.blocks;
    if (change.metadata !== undefined) message.metadata = change.metadata;
    message.edited = true;
    this.changed();
    return message;
  }

  stack(userId: string): SandboxModal[] {
    return this.modals.get(userId) ?? [];
  }

  findView(viewId: string): SandboxModal | undefined {
    for (const stack of this.modals.values()) {
      const found = stack.find((m) => m.id === viewId);
      if (found) return found;
    }
    return undefined;
  }

  findViewByExternalId(externalId: string): SandboxModal | undefined {
    for (const stack of this.modals.values()) {
      const found = stack.find((m) => m.view.external_id === externalId);
      if (found) return found;
    }
    return undefined;
  }

  /** Opens a modal (replacing the person's stack) or pushes one on it. */
  openView(userId: string, view: Record<string, unknown>, mode: "open" | "push"): SandboxModal | "push_limit_reached" {
    const stack = mode === "open" ? [] : [...this.stack(userId)];
    if (stack.length >= MAX_STACKED_VIEWS) return "push_limit_reached";
    const id = this.newViewId();
    const modal: SandboxModal = { id, userId, view: this.withIds(view, id) };
    stack.push(modal);
    this.modals.set(userId, stack);
    this.changed();
    return modal;
  }

  replaceView(modal: SandboxModal, view: Record<string, unknown>): SandboxModal {
    modal.view = this.withIds(view, modal.id);
    delete modal.errors;
    this.changed();
    return modal;
  }

  setViewErrors(viewId: string, errors: Record<string, string>): void {
    const modal = this.findView(viewId);
    if (!modal) return;
    modal.errors = errors;
    this.changed();
  }

  /** Closes a view and the ones stacked above it; `all` closes the person's whole stack. */
  closeView(viewId: string, all = false): void {
    const modal = this.findView(viewId);
    if (!modal) return;
    const stack = this.stack(modal.userId);
    const kept = all ? [] : stack.slice(0, stack.indexOf(modal));
    this.modals.set(modal.userId, kept);
    this.changed();
  }

  publishHome(userId: string, view: Record<string, unknown>): Record<string, unknown> {
    const published = this.withIds(view, typeof this.homes.get(userId)?.id === "string" ? String(this.homes.get(userId)!.id) : undefined);
    this.homes.set(userId, published);
    this.changed();
    return published;
  }

  home(userId: string): Record<string, unknown> | undefined {
    return this.homes.get(userId);
  }

  recordError(method: string, error: string, detail?: string): SandboxError {
    const entry: SandboxError = { id: ++this.errorSequence, at: this.clock.now().toISOString(), method, error, ...(detail ? { detail } : {}) };
    this.errors.push(entry);
    if (this.errors.length > KEPT_ERRORS) this.errors.splice(0, this.errors.length - KEPT_ERRORS);
    this.changed();
    return entry;
  }

  dismissError(id: number): void {
    const index = this.errors.findIndex((e) => e.id === id);
    if (index < 0) return;
    this.errors.splice(index, 1);
    this.changed();
  }

  snapshot(): SandboxState {
    return {
      version: this.version,
      company: this.setup.company,
      botUserId: this.setup.botUserId,
      users: this.setup.users,
      usergroups: this.setup.usergroups,
      channels: this.channels,
      messages: this.messages,
      modals: Object.fromEntries(this.modals),
      homes: Object.fromEntries(this.homes),
      clock: { now: this.clock.now().toISOString(), timezone: this.setup.timezone },
      errors: this.errors,
    };
  }

  private newViewId(): string {
    this.sequence += 1;
    return `V${String(this.sequence).padStart(9, "0")}`;
  }

  /** What Slack adds to a view it stores: its id and a hash that changes with every update. */
  private withIds(view: Record<string, unknown>, id?: string): Record<string, unknown> {
    this.sequence += 1;
    return { ...view, id: id ?? this.newViewId(), hash: `${this.sequence}.sandbox`, state: { values: {} } };
  }
}
