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
  private readonly profiles = new Map<string, Cached<{ language: Language; name: string }>>();
  private group: Cached<Set<string>> | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly policy: Policy,
    private readonly now: () => number = Date.now,
    private readonly log: (message: string, error: unknown) => void = (m, e) => console.error(m, e),
  ) {}

  /** The user's Slack locale as one of en/es/pt, else the policy's language. */
  async languageOf(userId: string): Promise<Language> {
    return (await this.profile(userId)).language;
  }

  /** The name Slack shows for a person, for plain text where a mention cannot be rendered (a form field's error). */
  async nameOf(userId: string): Promise<string> {
    return (await this.profile(userId)).name;
  }

  private async profile(userId: string): Promise<{ language: Language; name: string }> {
    const cached = this.profiles.get(userId);
    if (cached && cached.until > this.now()) return cached.value;
    const profile = { language: this.policy.language, name: userId };
    try {
      const answer = await this.client.users.info({ user: userId, include_locale: true });
      profile.language = languageOf(answer.user?.locale, this.policy.language);
      profile.name = answer.user?.profile?.display_name || answer.user?.real_name || answer.user?.name || userId;
    } catch (error) {
      this.log(`users.info failed for ${userId}; using the policy's language`, error);
    }
    this.profiles.set(userId, { value: profile, until: this.now() + LOCALE_TTL_MS });
    return profile;
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
