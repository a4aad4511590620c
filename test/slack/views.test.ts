import { describe, expect, it } from "vitest";
import { policySchema } from "../../src/config/policy-schema.ts";
import { LANGUAGES } from "../../src/domain/policy.ts";
import { openRequest } from "../../src/domain/request.ts";
import type { StoredRequest } from "../../src/db/requests.ts";
import type { RequestView } from "../../src/db/request-views.ts";
import { catalogs, languageOf, t } from "../../src/slack/i18n/catalog.ts";
import { Ids } from "../../src/slack/ids.ts";
import { approvalCard } from "../../src/slack/views/approval-card.ts";
import { localDate } from "../../src/domain/calendar.ts";
import { escapeText, formatMoney } from "../../src/slack/views/format.ts";
import { deactivateModal, evidenceModal, rejectModal } from "../../src/slack/views/modals.ts";
import { requestCard } from "../../src/slack/views/request-card.ts";
import { plainText } from "../../src/slack/views/errors.ts";
import { buttons, readable } from "../support/slack-bot.ts";
import { testPolicy } from "../support/policy.ts";

const en = { language: "en" as const, policyLanguage: "es" as const, timezone: "America/Montevideo" };
const T0 = new Date("2026-08-09T14:00:00Z");

function view(policy = testPolicy(), kind = "voluntary", overrides: Partial<StoredRequest> = {}): RequestView {
  const opened = openRequest({ client: { id: "c1", status: "active", hostedDatabase: false }, kind, requestedBy: "U0REQ", reason: "Leaving <!channel>", thirdPartyInvolved: false }, policy, T0);
  if (!opened.ok) throw new Error(opened.error.code);
  return {
    request: { ...opened.request, id: "11111111-1111-4111-8111-111111111111", version: 0, number: 7, ...overrides },
    client: { id: "c1", ref: "ACME-1", name: "Acme & Sons", status: "active", reactivatedAt: null, reactivatedBy: null, dataDeletedAt: null },
    steps: [],
    posts: {},
    ladder: [],
    ladderStopped: null,
    invoicesOnHold: 0,
    now: T0,
  };
}

describe("request card", () => {
  it("shows the facts, escapes what people typed, and offers Tick / Check again / Withdraw while open", () => {
    const card = requestCard(view(), en);
    expect(card.text).toBe("Deactivation request #7: Acme & Sons");
    const text = readable(card.blocks);
    expect(text).toContain("Acme &amp; Sons (ACME-1)");
    expect(text).toContain("Leaving &lt;!channel&gt;");
    expect(text).toContain(":grey_question: *No pending charges* — not checked yet");
    expect(text).toContain("*Management approval* — 0 of 1 approvals");
    expect(buttons(card.blocks)).toEqual([Ids.action.tick, Ids.action.tick, Ids.action.tick, Ids.action.recheck, Ids.action.withdraw]);
    const tick = card.blocks.find((b) => b.block_id === "check:written_request") as { accessory: { value: string } };
    // The tick says whether the check asks for evidence, so one that does not is ticked without a read first.
    expect(JSON.parse(tick.accessory.value)).toEqual({ r: "11111111-1111-4111-8111-111111111111", c: "written_request", e: 1 });
    const phone = card.blocks.find((b) => b.block_id === "check:phone_call") as { accessory: { value: string } };
    expect(JSON.parse(phone.accessory.value)).toEqual({ r: "11111111-1111-4111-8111-111111111111", c: "phone_call", e: 0 });
  });

  it("offers Execute, with a confirmation naming the actions, only when ready", () => {
    const ready = requestCard(view(testPolicy(), "toggle"), en);
    const actions = ready.blocks.find((b) => b.block_id === Ids.block.requestActions) as { elements: { action_id: string; confirm?: { text: { text: string } } }[] };
    expect(actions.elements.map((e) => e.action_id)).toEqual([Ids.action.execute, Ids.action.withdraw]);
    expect(actions.elements[0]!.confirm!.text.text).toBe("This runs: inactivate the client.");
  });

  it.each(["executed", "rejected", "withdrawn"] as const)("has no buttons once %s", (state) => {
    const card = requestCard(view(testPolicy(), "voluntary", { state, executedBy: "U0X", executedAt: T0, closedBy: "U0X", closedAt: T0, closeReason: "r" }), en);
    expect(buttons(card.blocks)).toEqual([]);
  });

  it("shows the dates the kind's calendar gives, the same as the timeline command (seed 002)", () => {
    const policy = policySchema.parse({
      version: 1, timezone: "America/Montevideo", language: "en", channels: { requests: "C0R", management: "C0M" }, approvers: { users: ["U0A"] },
      kinds: { voluntary: { label: "Voluntary", actions: ["inactivate_client"], calendar: { notice: { cutoff_day: 10 }, service_ends: "end_of_month", data_deletion: "end_of_following_month" }, reactivation: { until: "before_deletion" } } },
    });
    const text = readable(requestCard(view(policy, "voluntary"), en).blocks);
    expect(text).toContain("*Last billed month*\nAugust 2026");
    expect(text).toContain("*Service ends*\n31 Aug 2026");
    expect(text).toContain("*Data deleted*\n30 Sept 2026");
    expect(text).toContain("*Reactivable until*\n29 Sept 2026");
    expect(readable(requestCard(view(), en).blocks)).not.toContain("Service ends");
  });

  it("stays within Slack's 50 blocks with the most checks a policy may have", () => {
    const checks = Array.from({ length: 40 }, (_, i) => ({ id: `check_${i}`, label: `Check ${i}` }));
    const policy = policySchema.parse({
      version: 1, timezone: "UTC", language: "en", channels: { requests: "C0R", management: "C0M" }, approvers: { users: ["U0A"] },
      kinds: { big: { label: "Big", checks, actions: ["inactivate_client"] } },
    });
    const card = requestCard(view(policy, "big", {}), en);
    expect(card.blocks.length).toBeLessThanOrEqual(50);
  });
});

describe("approval card", () => {
  it("has Approve and Reject until decided", () => {
    expect(buttons(approvalCard(view(), en).blocks)).toEqual([Ids.action.approve, Ids.action.reject]);
    const rejected = view(testPolicy(), "voluntary", { state: "rejected", approvals: [{ approverId: "U0BOSS", decision: "reject", reason: "No", decidedAt: T0 }] });
    const card = approvalCard(rejected, en);
    expect(buttons(card.blocks)).toEqual([]);
    expect(readable(card.blocks)).toMatch(/Rejected by <@U0BOSS> on 9 Aug 2026, 11:00: No/);
  });
});

describe("modals", () => {
  const policy = testPolicy();
  it.each(LANGUAGES)("fit Slack's limits in %s", (language) => {
    const ctx = { language, policyLanguage: "es" as const, timezone: "UTC" };
    const modals = [
      deactivateModal({ policy, clients: [{ ref: "A", name: "A", thirdParty: true }], query: "a", today: "2026-08-09" }, ctx),
      evidenceModal("r", policy.kinds.voluntary!.checks[0]!, ctx),
      rejectModal({ id: "r", number: 1 }, "A", ctx),
    ];
    for (const modal of modals) {
      expect(modal.title.text.length).toBeLessThanOrEqual(24);
      expect(modal.submit!.text.length).toBeLessThanOrEqual(24);
      expect(modal.close!.text.length).toBeLessThanOrEqual(24);
      expect(modal.private_metadata!.length).toBeLessThanOrEqual(3000);
      expect(modal.blocks.length).toBeLessThanOrEqual(100);
    }
  });

  it("pre-fills the third party from the client and today's date, and lists one client or a picker", () => {
    const one = deactivateModal({ policy, clients: [{ ref: "A", name: "A", thirdParty: true }], query: "a", today: "2026-08-09" }, en);
    expect(one.blocks.find((b) => b.block_id === Ids.block.thirdParty)).toMatchObject({ element: { initial_options: [{ value: "yes" }] } });
    expect(one.blocks.find((b) => b.block_id === Ids.block.requestedOn)).toMatchObject({ element: { initial_date: "2026-08-09" } });
    expect(JSON.parse(one.private_metadata!)).toEqual({ fixedClientRef: "A" });
    const many = deactivateModal({ policy, clients: [{ ref: "A", name: "A", thirdParty: false }, { ref: "B", name: "B", thirdParty: false }], query: "x", today: "2026-08-09" }, en);
    expect(many.blocks.find((b) => b.block_id === Ids.block.client)).toMatchObject({ type: "input", element: { type: "external_select", min_query_length: 1 } });
    expect(JSON.parse(many.private_metadata!)).toEqual({});
  });
});

describe("message catalog", () => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  it.each(["es", "pt"] as const)("%s has every English key with the same placeholders", (language) => {
    for (const [key, english] of Object.entries(catalogs.en)) {
      const translated = catalogs[language][key as keyof typeof catalogs.en];
      expect(translated, key).toBeTruthy();
      expect(placeholders(translated), key).toEqual(placeholders(english));
    }
  });

  it.each([
    { locale: "es-LA", expected: "es" },
    { locale: "pt-BR", expected: "pt" },
    { locale: "en-GB", expected: "en" },
    { locale: "fr-FR", expected: "es" },
    { locale: undefined, expected: "es" },
  ])("Slack locale $locale reads as $expected (policy language es)", ({ locale, expected }) => {
    expect(languageOf(locale, "es")).toBe(expected);
  });

  it("fills params and leaves unknown placeholders visible", () => {
    expect(t("en", "thread.ticked", { user: "<@U1>", label: "X" })).toBe("<@U1> ticked *X*.");
    // @ts-expect-error a missing param no longer compiles; at run time it stays visible
    expect(t("en", "thread.ticked", { user: "<@U1>" })).toBe("<@U1> ticked *{label}*.");
  });
});

describe("formatting", () => {
  it.each([
    { minor: "12050", currency: "USD", language: "en" as const, text: /^USD\s120\.50$/ },
    { minor: "12050", currency: "UYU", language: "es" as const, text: /^120,50\sUYU$/ },
    { minor: "1500", currency: "JPY", language: "pt" as const, text: /^JPY\s1\.500$/ },
    { minor: "99999999999999999", currency: "USD", language: "en" as const, text: /^USD\s999,999,999,999,999\.99$/ },
  ])("$minor $currency in $language", ({ minor, currency, language, text }) => {
    expect(formatMoney(minor, currency, { language, policyLanguage: language, timezone: "UTC" })).toMatch(text);
  });

  it("today is the policy's local date", () => {
    expect(localDate(new Date("2026-08-10T02:00:00Z"), "America/Montevideo")).toBe("2026-08-09");
    expect(localDate(new Date("2026-08-09T16:00:00Z"), "Asia/Tokyo")).toBe("2026-08-10");
  });

  it("escapes mrkdwn control characters", () => {
    expect(escapeText("<@U1> & <!here>")).toBe("&lt;@U1&gt; &amp; &lt;!here&gt;");
  });
});

describe("manifest", () => {
  it.each([
    { file: "manifest.yml", mode: "http" as const },
    { file: "manifest.socket-mode.yml", mode: "socket" as const },
  ])("$file is what src/slack/manifest.ts says (run `npm run manifest` after editing it)", async ({ file, mode }) => {
    const { readFile } = await import("node:fs/promises");
    const { parse } = await import("yaml");
    const { buildManifest } = await import("../../src/slack/manifest.ts");
    expect(parse(await readFile(file, "utf8"))).toEqual(buildManifest(mode));
  });

  it("declares every command, the home tab event, and only the scopes Offboard uses", async () => {
    const { buildManifest } = await import("../../src/slack/manifest.ts");
    const manifest = buildManifest("http");
    expect(manifest.features?.slash_commands?.map((c) => c.command)).toEqual([Ids.command.deactivate, Ids.command.reactivate]);
    expect(manifest.settings?.event_subscriptions?.bot_events).toEqual(["app_home_opened"]);
    expect(manifest.oauth_config?.scopes?.bot).toEqual(["commands", "chat:write", "users:read", "usergroups:read", "channels:history", "groups:history"]);
    expect(manifest.settings?.interactivity).toMatchObject({ is_enabled: true, request_url: "https://offboard.example.com/slack/events" });
  });
});

describe("a refusal under a form's field is plain text (Slack shows field errors as typed)", () => {
  it.each([
    ["Already decided: approved by <@U0MARTA>.", "Already decided: approved by @Marta Gómez."],
    ["Asked by <@U0NOBODY> first", "Asked by @U0NOBODY first"],
    ["*Client's written request* needs evidence", "Client's written request needs evidence"],
    ["_Nothing here._", "Nothing here."],
    ["Tom &amp; Jerry &lt;ltd&gt;", "Tom & Jerry <ltd>"],
    ["call <!subteam^S0MGR|@managers> now", "call @managers now"],
    ["a*b*c stays", "a*b*c stays"],
  ])("%s → %s", (mrkdwn, plain) => {
    expect(plainText(mrkdwn, new Map([["U0MARTA", "Marta Gómez"]]))).toBe(plain);
  });
});
