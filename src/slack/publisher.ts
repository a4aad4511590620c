import { createHash, randomUUID } from "node:crypto";
import { ErrorCode as SlackErrorCode, type WebClient } from "@slack/web-api";
import type { PostProgress } from "../db/publications.ts";
import type { Store } from "../db/store.ts";
import type { Clock } from "../services/clock.ts";
import type { Policy } from "../domain/policy.ts";
import { approvalApplies } from "../domain/request.ts";
import type { RequestView, ShownPost } from "../db/request-views.ts";
import { t } from "./i18n/catalog.ts";
import type { People } from "./people.ts";
import { approvalCard } from "./views/approval-card.ts";
import type { ViewContext } from "./views/format.ts";
import { escapeText, mention } from "./views/format.ts";
import { requestCard, type Message } from "./views/request-card.ts";
import { timelineLine } from "./views/timeline.ts";
import { readAuditEvent } from "../domain/events.ts";

type Purpose = "card" | "approval";

export const PUBLISH_JOB = "slack.publish";
/** The first retry of a failed publication; the scheduler backs off from there. */
const PUBLISH_RETRY_MS = 5_000;
/** How long one process may show a request before another presumes it dead and takes over. */
const PUBLICATION_LEASE_MS = 60_000;
/** Requests the sweep shows per poll at most (the rest wait for the next poll). */
const SWEEP_LIMIT = 20;
/** Pages of channel history searched for a card Slack may hold, and of a thread for its replies (200 messages a page). */
const HISTORY_PAGES = 25;
const THREAD_PAGES = 50;
/** What marks Offboard's own posts in Slack (message metadata), so an unsaved post can be found again. */
export const POST_EVENT_TYPE = "offboard_post";

/**
 * Makes Slack show what the database says. Cards are posted once and then
 * updated in place; every audit event not yet in the card's thread becomes a
 * reply there, in order. It only reads committed state, so it can run again
 * at any time and converge.
 */
export class Publisher {
  /** One publication at a time per request in this process, so replies keep their order. */
  private readonly queues = new Map<string, Promise<void>>();
  /** This process, as the holder of publication leases. */
  private readonly holder = randomUUID();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly client: WebClient,
    private readonly policy: Policy,
    private readonly people: People,
    private readonly log: (message: string, error: unknown) => void = (m, e) => console.error(m, e),
  ) {}

  /**
   * Shows the request's committed state in Slack. If Slack fails (429, 5xx,
   * a timeout), nothing is lost: a durable job publishes again, with backoff,
   * until it succeeds; the thread resumes after the last event it holds.
   */
  publish(requestId: string, onlyIfDue = false): Promise<void> {
    return this.publishOrThrow(requestId, onlyIfDue).catch(async (error: unknown) => {
      this.log(`publishing request ${requestId} to Slack failed; it will be retried`, error);
      const at = new Date(this.clock.now().getTime() + PUBLISH_RETRY_MS);
      await this.store.jobs.schedule([{ kind: PUBLISH_JOB, key: `${PUBLISH_JOB}:${requestId}:${at.toISOString()}`, runAt: at, requestId, payload: { requestId }, maxAttempts: 20 }]).catch(
        (e: unknown) => this.log(`could not schedule a retry for request ${requestId}`, e),
      );
    });
  }

  /**
   * One publication at a time per request in this process, so replies keep their order; a failure is thrown.
   * `onlyIfDue`: only if it is still waiting past its time (the sweep; someone may have shown it meanwhile).
   */
  publishOrThrow(requestId: string, onlyIfDue = false): Promise<void> {
    const previous = this.queues.get(requestId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.publishNow(requestId, onlyIfDue));
    this.queues.set(requestId, next);
    void next.finally(() => {
      if (this.queues.get(requestId) === next) this.queues.delete(requestId);
    }).catch(() => {});
    return next;
  }

  /** A message of its own in a channel (the reminders digest). */
  async postInChannel(channel: string, message: Message): Promise<void> {
    await this.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false });
  }

  /** A reply in a card's thread (reminders). */
  async postInThread(card: { channel: string; ts: string }, message: Message): Promise<void> {
    await this.client.chat.postMessage({ channel: card.channel, thread_ts: card.ts, text: message.text, blocks: message.blocks, unfurl_links: false });
  }

  /** Channel messages speak the policy's language: everyone in the channel reads them. */
  channelContext(): ViewContext {
    return { language: this.policy.language, policyLanguage: this.policy.language, timezone: this.policy.timezone };
  }

  /**
   * Shows every request whose publication a crash or a dead holder left
   * pending (the change's transaction marked it): run at each scheduler poll.
   * A failure is retried like any other (publish schedules the retry).
   */
  async sweep(): Promise<number> {
    const due = await this.store.publications.due(this.clock.now(), PUBLISH_JOB, SWEEP_LIMIT);
    for (const requestId of due) await this.publish(requestId, true);
    return due.length;
  }

  /**
   * One process at a time shows a request (a lease in the database): the
   * first card is posted once, replies are not doubled. A process that finds
   * another publishing leaves it a note (dirty), and the holder goes again
   * before letting go; should the holder die, the sweep takes over after its
   * lease, and looks in Slack for what it may have posted unsaved.
   */
  private async publishNow(requestId: string, onlyIfDue: boolean): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const lease = await this.store.publications.take(requestId, this.holder, now, new Date(now.getTime() + PUBLICATION_LEASE_MS), onlyIfDue);
      if (!lease) {
        if (!onlyIfDue) await this.store.publications.noteWanted(requestId, now);
        return;
      }
      const shown: PostProgress[] = [];
      let released: boolean;
      try {
        await this.render(requestId, lease.recover, shown);
        released = await this.store.publications.release(requestId, this.holder, shown);
      } catch (error) {
        // Pending again, and the next attempt looks in Slack first; if even the progress cannot be saved, without it.
        const retryAt = new Date(this.clock.now().getTime() + PUBLISH_RETRY_MS);
        await this.store.publications.fail(requestId, this.holder, retryAt, shown).catch(() => this.store.publications.fail(requestId, this.holder, retryAt));
        throw error;
      }
      if (released) return;
      // A newer change arrived while showing it: go again, whoever asked.
      onlyIfDue = false;
    }
  }

  /**
   * `recover`: the previous attempt ended half-way, so Slack may hold posts the database does not know.
   * What Slack now shows is noted in `shown`, saved with the lease's release (or failure) in one statement.
   */
  private async render(requestId: string, recover: boolean, shown: PostProgress[]): Promise<void> {
    const view = await this.store.requestViews.load(requestId, this.clock.now());
    if (!view) return;
    const ctx = this.channelContext();
    const card = await this.show(view, "card", this.policy.channels.requests, requestCard(view, ctx), recover, shown);
    if (approvalApplies(view.request)) await this.show(view, "approval", this.policy.channels.management, approvalCard(view, ctx), recover, shown);
    await this.postTimeline(view, card, ctx, recover, shown);
  }

  private async show(view: RequestView, purpose: Purpose, channel: string, message: Message, recover: boolean, shown: PostProgress[]): Promise<ShownPost> {
    const metadata = { event_type: POST_EVENT_TYPE, event_payload: { request_id: view.request.id, purpose } };
    const existing = view.posts[purpose] ?? (recover ? await this.adoptCard(view, purpose, channel) : undefined);
    const shownHash = createHash("sha256").update(JSON.stringify([message.text, message.blocks])).digest("hex");
    if (existing) {
      if (existing.shownHash === shownHash) return existing;
      await this.client.chat.update({ channel: existing.channel, ts: existing.ts, text: message.text, blocks: message.blocks, metadata });
      noteProgress(shown, existing.id, { shownHash });
      return { ...existing, shownHash };
    }
    const posted = await this.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false, metadata });
    // Saved at once: the next step's replies go in its thread.
    return this.store.publications.savePost({ requestId: view.request.id, purpose, channel: posted.channel ?? channel, ts: posted.ts!, shownHash });
  }

  /** A card an interrupted attempt posted but never saved: found by its metadata in the channel, and saved now (what it shows is unknown: it is updated). */
  private async adoptCard(view: RequestView, purpose: Purpose, channel: string): Promise<ShownPost | undefined> {
    // Slack's ts is its clock in seconds; the card is never older than the request (a day of margin for skew).
    const oldest = String(Math.floor(view.request.requestedAt.getTime() / 1000) - 86_400);
    let cursor: string | undefined;
    for (let page = 0; page < HISTORY_PAGES; page++) {
      const answer = await this.lookUp(() => this.client.conversations.history({ channel, oldest, limit: 200, include_all_metadata: true, ...(cursor ? { cursor } : {}) }));
      if (!answer) return undefined;
      const found = (answer.messages ?? []).find((m) => !m.thread_ts && ours(m.metadata, view.request.id)?.purpose === purpose);
      if (found?.ts) return this.store.publications.savePost({ requestId: view.request.id, purpose, channel, ts: found.ts, shownHash: null });
      cursor = answer.response_metadata?.next_cursor || undefined;
      if (!answer.has_more || !cursor) return undefined;
    }
    return undefined;
  }

  /** The audit events an interrupted attempt already posted in the card's thread (their seq, from the replies' metadata). */
  private async repliesInThread(card: ShownPost, requestId: string): Promise<Set<string>> {
    const seqs = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < THREAD_PAGES; page++) {
      const answer = await this.lookUp(() => this.client.conversations.replies({ channel: card.channel, ts: card.ts, limit: 200, include_all_metadata: true, ...(cursor ? { cursor } : {}) }));
      for (const message of answer?.messages ?? []) {
        const seq = ours(message.metadata, requestId)?.seq;
        if (message.ts !== card.ts && seq !== undefined) seqs.add(String(seq));
      }
      cursor = answer?.response_metadata?.next_cursor || undefined;
      if (!answer?.has_more || !cursor) break;
    }
    return seqs;
  }

  /**
   * A look-up Slack refuses for good (a scope the app was installed without,
   * a channel it cannot read) finds nothing: posting again beats never
   * showing. Anything else (rate limit, outage) is thrown and retried.
   */
  private async lookUp<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if ((error as { code?: unknown }).code !== SlackErrorCode.PlatformError) throw error;
      this.log("could not look in Slack for posts an interrupted publication may have made; posting again", error);
      return undefined;
    }
  }

  /**
   * Every audit event past the card's thread position becomes a reply, in
   * order (the view was read under the publication lease). After an
   * interruption, replies Slack already holds (by their metadata) are kept, not posted again.
   */
  private async postTimeline(view: RequestView, card: ShownPost, ctx: ViewContext, recover: boolean, shown: PostProgress[]): Promise<void> {
    const events = await this.store.publications.eventsAfter(view.request.id, card.threadSeq);
    let inThread: Set<string> | undefined;
    for (const event of events) {
      const line = timelineLine(event, view, ctx);
      const alreadyShown = line !== null && recover && (inThread ??= await this.repliesInThread(card, view.request.id)).has(event.seq.toString());
      if (!alreadyShown) {
        // The direct message goes first: a reply found in Slack means it was sent.
        await this.tellRequester(event, view);
        const metadata = { event_type: POST_EVENT_TYPE, event_payload: { request_id: view.request.id, seq: Number(event.seq) } };
        if (line) await this.client.chat.postMessage({ channel: card.channel, thread_ts: card.ts, text: line, unfurl_links: false, metadata });
      }
      noteProgress(shown, card.id, { threadSeq: event.seq });
    }
  }

  /** The requester hears about the decision directly, in their own language. */
  private async tellRequester(event: { action: string; actor: string; data: unknown }, view: RequestView): Promise<void> {
    const { request, client } = view;
    const read = readAuditEvent(event);
    if (!read.known) return;
    const decided = read.action === "request.rejected" || (read.action === "request.approved" && read.data.approvals >= read.data.required);
    if (!decided) return;
    const language = await this.people.languageOf(request.requestedBy);
    const facts = { number: request.number, client: escapeText(client.name), user: mention(event.actor) };
    const text = read.action === "request.rejected" ? t(language, "dm.decided.rejected", { ...facts, reason: escapeText(read.data.reason) }) : t(language, "dm.decided.approved", facts);
    await this.client.chat.postMessage({ channel: request.requestedBy, text });
  }
}

/** Notes a post's progress (the latest wins), to be saved with the lease's release or failure. */
function noteProgress(progress: PostProgress[], id: string, change: Omit<PostProgress, "id">): void {
  const entry = progress.find((p) => p.id === id);
  if (entry) Object.assign(entry, change);
  else progress.push({ id, ...change });
}

/** The payload of a message Offboard posted for this request (its metadata says so), else undefined. */
function ours(metadata: { event_type?: string; event_payload?: object } | undefined, requestId: string): { purpose?: unknown; seq?: unknown } | undefined {
  const payload = metadata?.event_type === POST_EVENT_TYPE ? (metadata.event_payload as Record<string, unknown> | undefined) : undefined;
  return payload?.request_id === requestId ? payload : undefined;
}
