import type { WebClient } from "@slack/web-api";
import type { Language, Policy } from "../domain/policy.ts";
import type { ApproverDirectory } from "../services/deps.ts";
import { languageOf } from "./i18n/catalog.ts";

interface Cached<T> {
  value: T;
  until: number;
}

const LOCALE_TTL_MS = 10 * 60_000;
/** usergroups.users.list is Tier 2 (about 20 calls a minute): its answer is kept a while. */
const GROUP_TTL_MS = 5 * 60_000;

/** Who people are in Slack: their language, and whether the policy makes them approvers. */
export class People implements ApproverDirectory {
  private readonly locales = new Map<string, Cached<Language>>();
  private group: Cached<Set<string>> | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly policy: Policy,
    private readonly now: () => number = Date.now,
    private readonly log: (message: string, error: unknown) => void = (m, e) => console.error(m, e),
  ) {}

  /** The user's Slack locale as one of en/es/pt, else the policy's language. */
  async languageOf(userId: string): Promise<Language> {
    const cached = this.locales.get(userId);
    if (cached && cached.until > this.now()) return cached.value;
    let language = this.policy.language;
    try {
      const answer = await this.client.users.info({ user: userId, include_locale: true });
      language = languageOf(answer.user?.locale, this.policy.language);
    } catch (error) {
      this.log(`users.info failed for ${userId}; using the policy's language`, error);
    }
    this.locales.set(userId, { value: language, until: this.now() + LOCALE_TTL_MS });
    return language;
  }

  async isApprover(userId: string): Promise<boolean> {
    if (this.policy.approvers.users.includes(userId)) return true;
    const groupId = this.policy.approvers.usergroup;
    if (!groupId) return false;
    if (!this.group || this.group.until <= this.now()) {
      // On failure the last known members stay valid: a Slack hiccup must not lock managers out,
      // nor may it let anyone in.
      try {
        const answer = await this.client.usergroups.users.list({ usergroup: groupId });
        this.group = { value: new Set(answer.users ?? []), until: this.now() + GROUP_TTL_MS };
      } catch (error) {
        this.log(`usergroups.users.list failed for ${groupId}`, error);
        if (!this.group) return false;
      }
    }
    return this.group.value.has(userId);
  }
}
