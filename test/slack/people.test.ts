import { WebClient } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policySchema } from "../../src/config/policy-schema.ts";
import { People } from "../../src/slack/people.ts";
import { FakeSlack } from "../support/fake-slack.ts";

const fake = new FakeSlack();
beforeAll(() => fake.start());
afterAll(() => fake.stop());

const policy = policySchema.parse({
  version: 1, timezone: "UTC", language: "pt", channels: { requests: "C0R", management: "C0M" },
  approvers: { users: ["U0LISTED"], usergroup: "S0MANAGERS" },
  kinds: { toggle: { label: "T", actions: ["inactivate_client"] } },
});

describe("People", () => {
  it("approvers come from the policy's list and its user group, whose members are cached (Tier 2 API)", async () => {
    fake.clear();
    fake.groups.set("S0MANAGERS", ["U0GROUPED"]);
    let now = 0;
    const people = new People(new WebClient("xoxb-t", { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } }), policy, () => now, () => {});
    expect(await people.isApprover("U0LISTED")).toBe(true);
    expect(fake.called("usergroups.users.list")).toHaveLength(0);
    expect(await people.isApprover("U0GROUPED")).toBe(true);
    expect(await people.isApprover("U0OTHER")).toBe(false);
    expect(fake.called("usergroups.users.list")).toHaveLength(1);

    // After five minutes the group is asked again: someone removed from it is no longer an approver.
    fake.groups.set("S0MANAGERS", []);
    now += 4 * 60_000;
    expect(await people.isApprover("U0GROUPED")).toBe(true);
    now += 2 * 60_000;
    expect(await people.isApprover("U0GROUPED")).toBe(false);
    expect(fake.called("usergroups.users.list")).toHaveLength(2);
  });

  it("a person's language follows their Slack locale, else the policy's, and is cached", async () => {
    fake.clear();
    fake.locales.set("U0ES", "es-ES");
    fake.locales.set("U0FR", "fr-FR");
    const people = new People(new WebClient("xoxb-t", { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } }), policy, () => 0, () => {});
    expect(await people.languageOf("U0ES")).toBe("es");
    expect(await people.languageOf("U0FR")).toBe("pt");
    expect(await people.languageOf("U0ES")).toBe("es");
    expect(fake.called("users.info")).toHaveLength(2);
  });

  it("when Slack cannot be asked, nobody outside the policy's list becomes an approver", async () => {
    const broken = new People(new WebClient("xoxb-t", { slackApiUrl: "http://127.0.0.1:9/api/", retryConfig: { retries: 0 }, timeout: 500 }), policy, () => 0, () => {});
    expect(await broken.isApprover("U0GROUPED")).toBe(false);
    expect(await broken.isApprover("U0LISTED")).toBe(true);
    expect(await broken.languageOf("U0ES")).toBe("pt");
  });
});
