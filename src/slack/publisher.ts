import { createHash, randomUUID } from "node:crypto";
import type { WebClient } from "@slack/web-api";
import type { Db } from "../db/database.ts";
import { scheduleJobs } from "../scheduler/jobs.ts";
import type { Clock } from "../services/clock.ts";
import type { Policy } from "../domain/policy.ts";
import { approvalApplies } from "../domain/request.ts";
import { loadRequestView, type RequestView, type ShownPost } from "../services/request-view.ts";
import { t } from "./i18n/catalog.ts";
import type { People } from "./people.ts";
import { approvalCard } from "./views/approval-card.ts";
import type { ViewContext } from "./views/format.ts";
import { escapeText, mention } from "./views/format.ts";
import { requestCard, type Message } from "./views/request-card.ts";
import { timelineLine } from "./views/timeline.ts";

type Purpose = "card" | "approval";

export const PUBLISH_JOB = "slack.publish";
/** The first retry of a failed publication; the scheduler backs off from there. */
const PUBLISH_RETRY_MS = 5_000;
/** How long one process may show a request before another presumes it dead and takes over. */
const PUBLICATION_LEASE_S = 60;

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
    private readonly db: Db,
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
  publish(requestId: string): Promise<void> {
    return this.publishOrThrow(requestId).catch(async (error: unknown) => {
      this.log(`publishing request ${requestId} to Slack failed; it will be retried`, error);
      const at = new Date(this.clock.now().getTime() + PUBLISH_RETRY_MS);
      await scheduleJobs(this.db, [{ kind: PUBLISH_JOB, key: `${PUBLISH_JOB}:${requestId}:${at.toISOString()}`, runAt: at, requestId, payload: { requestId }, maxAttempts: 20 }]).catch(
        (e: unknown) => this.log(`could not schedule a retry for request ${requestId}`, e),
      );
    });
  }

  /** One publication at a time per request in this process, so replies keep their order; a failure is thrown. */
  publishOrThrow(requestId: string): Promise<void> {
    const previous = this.queues.get(requestId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.publishNow(requestId));
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
   * One process at a time shows a request (a lease in the database): the
   * first card is posted once, replies are not doubled. A process that finds
   * another publishing leaves it a note (dirty), and the holder goes again
   * before letting go; should the holder die, a job takes over after its lease.
   */
  private async publishNow(requestId: string): Promise<void> {
    await this.db.$executeRaw`INSERT INTO "Publication" ("requestId", "dirty") VALUES (${requestId}::uuid, true) ON CONFLICT ("requestId") DO UPDATE SET "dirty" = true`;
    for (;;) {
      const taken = await this.db.$executeRaw`
        UPDATE "Publication" SET "holder" = ${this.holder}, "leaseUntil" = now() + make_interval(secs => ${PUBLICATION_LEASE_S}), "dirty" = false
        WHERE "requestId" = ${requestId}::uuid AND "dirty" AND ("holder" IS NULL OR "holder" = ${this.holder} OR "leaseUntil" < now())`;
      if (taken === 0) {
        const at = new Date(this.clock.now().getTime() + (PUBLICATION_LEASE_S + 1) * 1000);
        await scheduleJobs(this.db, [{ kind: PUBLISH_JOB, key: `${PUBLISH_JOB}:${requestId}:held:${Math.floor(at.getTime() / 60_000)}`, runAt: at, requestId, payload: { requestId }, maxAttempts: 20 }]);
        return;
      }
      try {
        await this.render(requestId);
      } catch (error) {
        await this.db.$executeRaw`UPDATE "Publication" SET "holder" = NULL, "leaseUntil" = NULL, "dirty" = true WHERE "requestId" = ${requestId}::uuid AND "holder" = ${this.holder}`;
        throw error;
      }
      const released = await this.db.$executeRaw`
        UPDATE "Publication" SET "holder" = NULL, "leaseUntil" = NULL WHERE "requestId" = ${requestId}::uuid AND "holder" = ${this.holder} AND NOT "dirty"`;
      if (released === 1) return;
    }
  }

  private async render(requestId: string): Promise<void> {
    const view = await loadRequestView(this.db, requestId, this.clock.now());
    if (!view) return;
    const ctx = this.channelContext();
    const card = await this.show(view, "card", this.policy.channels.requests, requestCard(view, ctx));
    if (approvalApplies(view.request)) await this.show(view, "approval", this.policy.channels.management, approvalCard(view, ctx));
    await this.postTimeline(view, card, ctx);
  }

  private async show(view: RequestView, purpose: Purpose, channel: string, message: Message): Promise<ShownPost> {
    const existing = view.posts[purpose];
    const shownHash = createHash("sha256").update(JSON.stringify([message.text, message.blocks])).digest("hex");
    if (existing) {
      if (existing.shownHash === shownHash) return existing;
      await this.client.chat.update({ channel: existing.channel, ts: existing.ts, text: message.text, blocks: message.blocks });
      await this.db.slackPost.update({ where: { id: existing.id }, data: { shownHash } });
      return { ...existing, shownHash };
    }
    const posted = await this.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false });
    return this.db.slackPost.create({
      data: { requestId: view.request.id, purpose, channel: posted.channel ?? channel, ts: posted.ts!, shownHash },
      select: { id: true, channel: true, ts: true, shownHash: true, threadSeq: true },
    });
  }

  /** Every audit event past the card's thread position becomes a reply, in order (the view was read under the publication lease). */
  private async postTimeline(view: RequestView, card: ShownPost, ctx: ViewContext): Promise<void> {
    const events = await this.db.auditEvent.findMany({ where: { requestId: view.request.id, seq: { gt: card.threadSeq } }, orderBy: { seq: "asc" } });
    for (const event of events) {
      const line = timelineLine(event, view, ctx);
      if (line) await this.client.chat.postMessage({ channel: card.channel, thread_ts: card.ts, text: line, unfurl_links: false });
      await this.tellRequester(event, view);
      await this.db.slackPost.update({ where: { id: card.id }, data: { threadSeq: event.seq } });
    }
  }

  /** The requester hears about the decision directly, in their own language. */
  private async tellRequester(event: { action: string; actor: string; data: unknown }, view: RequestView): Promise<void> {
    const { request, client } = view;
    const data = (event.data ?? {}) as { reason?: string; approvals?: number; required?: number };
    const decided = event.action === "request.rejected" || (event.action === "request.approved" && Number(data.approvals) >= Number(data.required));
    if (!decided) return;
    const language = await this.people.languageOf(request.requestedBy);
    const text =
      event.action === "request.rejected"
        ? t(language, "dm.decided.rejected", { number: request.number, client: escapeText(client.name), user: mention(event.actor), reason: escapeText(data.reason ?? "") })
        : t(language, "dm.decided.approved", { number: request.number, client: escapeText(client.name), user: mention(event.actor) });
    await this.client.chat.postMessage({ channel: request.requestedBy, text });
  }
}
