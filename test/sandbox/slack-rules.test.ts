import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../src/config/policy-file.ts";
import { LANGUAGES, type Language, type Policy } from "../../src/domain/policy.ts";
import { planLadder } from "../../src/domain/dunning.ts";
import { LIMITS as FIELD_LIMITS, openRequest, type RequestState } from "../../src/domain/request.ts";
import type { StoredRequest } from "../../src/db/requests.ts";
import type { RequestView } from "../../src/db/request-views.ts";
import { approvalCard } from "../../src/slack/views/approval-card.ts";
import type { ViewContext } from "../../src/slack/views/format.ts";
import { homeView, inactiveClientsModal } from "../../src/slack/views/home.ts";
import { deactivateModal, doneModal, evidenceModal, reactivateModal, rejectModal } from "../../src/slack/views/modals.ts";
import { digestMessage, DIGEST_SIZE, reassignModal, reminderMessage, snoozeModal, stepDoneModal } from "../../src/slack/views/reminder.ts";
import { requestCard } from "../../src/slack/views/request-card.ts";
import { timelineLine } from "../../src/slack/views/timeline.ts";
import type { AuditDraft } from "../../src/domain/events.ts";
import { ChannelRateLimiter, characters, checkBlocks, checkMessage, checkView, responseMessages, TriggerIds, type RuleResult } from "../../src/sandbox/slack-rules.ts";
import { testPolicy } from "../support/policy.ts";

const x = (n: number, c = "a") => c.repeat(n);
const plain = (text: string) => ({ type: "plain_text", text });
const mrkdwn = (text: string) => ({ type: "mrkdwn", text });
const section = (text = "hi") => ({ type: "section", text: mrkdwn(text) });
const button = (extra: Record<string, unknown> = {}) => ({ type: "button", action_id: "b", text: plain("Go"), ...extra });
const option = (text = "One", value = "1") => ({ text: plain(text), value });
const options = (n: number) => Array.from({ length: n }, (_, i) => option(`O${i}`, `v${i}`));
const confirm = (extra: Record<string, unknown> = {}) => ({ title: plain("Sure?"), text: plain("Really?"), confirm: plain("Yes"), deny: plain("No"), ...extra });
const input = (element: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: "input", label: plain("Label"), element, ...extra });
const modal = (extra: Record<string, unknown> = {}) => ({ type: "modal", title: plain("Title"), submit: plain("Send"), close: plain("Cancel"), blocks: [section()], ...extra });

/** A message with one block (an element as a section accessory, or in an actions block). */
const inSection = (accessory: Record<string, unknown>) => ({ text: "t", blocks: [{ type: "section", text: mrkdwn("s"), accessory }] });
const inActions = (...elements: Record<string, unknown>[]) => ({ text: "t", blocks: [{ type: "actions", elements }] });
const inModal = (...blocks: Record<string, unknown>[]) => modal({ blocks });

function refused(result: RuleResult): { error: string; errors: string[] } {
  if (result.ok) throw new Error("expected a refusal, got ok");
  return { error: result.error, errors: result.errors };
}

// ---------------------------------------------------------------------------

type Edge = { name: string; ok: unknown; bad: unknown; message: string };

/** Message limits: the max passes, max+1 fails with `invalid_blocks` and Slack's message at the json-pointer. */
const MESSAGE_EDGES: Edge[] = [
  { name: "blocks per message (50)", ok: { text: "t", blocks: Array.from({ length: 50 }, () => section()) }, bad: { text: "t", blocks: Array.from({ length: 51 }, () => section()) }, message: "must be less than 51 items [json-pointer:/blocks]" },
  { name: "section text (3000)", ok: { blocks: [section(x(3000))] }, bad: { blocks: [section(x(3001))] }, message: "must be less than 3001 characters [json-pointer:/blocks/0/text/text]" },
  { name: "section fields (10)", ok: { blocks: [{ type: "section", fields: Array.from({ length: 10 }, () => mrkdwn("f")) }] }, bad: { blocks: [{ type: "section", fields: Array.from({ length: 11 }, () => mrkdwn("f")) }] }, message: "must be less than 11 items [json-pointer:/blocks/0/fields]" },
  { name: "section field text (2000)", ok: { blocks: [{ type: "section", fields: [mrkdwn(x(2000))] }] }, bad: { blocks: [{ type: "section", fields: [mrkdwn("f"), mrkdwn(x(2001))] }] }, message: "must be less than 2001 characters [json-pointer:/blocks/0/fields/1/text]" },
  { name: "context elements (10)", ok: { blocks: [{ type: "context", elements: Array.from({ length: 10 }, () => mrkdwn("c")) }] }, bad: { blocks: [{ type: "context", elements: Array.from({ length: 11 }, () => mrkdwn("c")) }] }, message: "must be less than 11 items [json-pointer:/blocks/0/elements]" },
  { name: "context text (3000)", ok: { blocks: [{ type: "context", elements: [mrkdwn(x(3000))] }] }, bad: { blocks: [{ type: "context", elements: [mrkdwn(x(3001))] }] }, message: "must be less than 3001 characters [json-pointer:/blocks/0/elements/0/text]" },
  { name: "header text (150)", ok: { blocks: [{ type: "header", text: plain(x(150)) }] }, bad: { blocks: [{ type: "header", text: plain(x(151)) }] }, message: "must be less than 151 characters [json-pointer:/blocks/0/text/text]" },
  { name: "actions elements (25)", ok: inActions(...Array.from({ length: 25 }, (_, i) => button({ action_id: `b${i}` }))), bad: inActions(...Array.from({ length: 26 }, (_, i) => button({ action_id: `b${i}` }))), message: "must be less than 26 items [json-pointer:/blocks/0/elements]" },
  { name: "block_id (255)", ok: { blocks: [{ ...section(), block_id: x(255) }] }, bad: { blocks: [{ ...section(), block_id: x(256) }] }, message: "must be less than 256 characters [json-pointer:/blocks/0/block_id]" },
  { name: "image_url (3000)", ok: { blocks: [{ type: "image", image_url: `https://e.x/${x(2988)}`, alt_text: "a" }] }, bad: { blocks: [{ type: "image", image_url: `https://e.x/${x(2989)}`, alt_text: "a" }] }, message: "must be less than 3001 characters [json-pointer:/blocks/0/image_url]" },
  { name: "image alt_text (2000)", ok: { blocks: [{ type: "image", image_url: "https://e.x/i.png", alt_text: x(2000) }] }, bad: { blocks: [{ type: "image", image_url: "https://e.x/i.png", alt_text: x(2001) }] }, message: "must be less than 2001 characters [json-pointer:/blocks/0/alt_text]" },
  { name: "button text (75)", ok: inSection(button({ text: plain(x(75)) })), bad: inSection(button({ text: plain(x(76)) })), message: "must be less than 76 characters [json-pointer:/blocks/0/accessory/text/text]" },
  { name: "button value (2000)", ok: inSection(button({ value: x(2000) })), bad: inSection(button({ value: x(2001) })), message: "must be less than 2001 characters [json-pointer:/blocks/0/accessory/value]" },
  { name: "button url (3000)", ok: inSection(button({ url: x(3000) })), bad: inSection(button({ url: x(3001) })), message: "must be less than 3001 characters [json-pointer:/blocks/0/accessory/url]" },
  { name: "action_id (255)", ok: inSection(button({ action_id: x(255) })), bad: inSection(button({ action_id: x(256) })), message: "must be less than 256 characters [json-pointer:/blocks/0/accessory/action_id]" },
  { name: "confirm title (100)", ok: inSection(button({ confirm: confirm({ title: plain(x(100)) }) })), bad: inSection(button({ confirm: confirm({ title: plain(x(101)) }) })), message: "must be less than 101 characters [json-pointer:/blocks/0/accessory/confirm/title/text]" },
  { name: "confirm text (300)", ok: inSection(button({ confirm: confirm({ text: mrkdwn(x(300)) }) })), bad: inSection(button({ confirm: confirm({ text: mrkdwn(x(301)) }) })), message: "must be less than 301 characters [json-pointer:/blocks/0/accessory/confirm/text/text]" },
  { name: "confirm button (30)", ok: inSection(button({ confirm: confirm({ confirm: plain(x(30)) }) })), bad: inSection(button({ confirm: confirm({ confirm: plain(x(31)) }) })), message: "must be less than 31 characters [json-pointer:/blocks/0/accessory/confirm/confirm/text]" },
  { name: "confirm deny (30)", ok: inSection(button({ confirm: confirm({ deny: plain(x(30)) }) })), bad: inSection(button({ confirm: confirm({ deny: plain(x(31)) }) })), message: "must be less than 31 characters [json-pointer:/blocks/0/accessory/confirm/deny/text]" },
  { name: "overflow options (5)", ok: inSection({ type: "overflow", action_id: "o", options: options(5) }), bad: inSection({ type: "overflow", action_id: "o", options: options(6) }), message: "must be less than 6 items [json-pointer:/blocks/0/accessory/options]" },
  { name: "overflow options (at least 1)", ok: inSection({ type: "overflow", action_id: "o", options: options(1) }), bad: inSection({ type: "overflow", action_id: "o", options: [] }), message: "must be more than 0 items [json-pointer:/blocks/0/accessory/options]" },
  { name: "static_select options (100)", ok: inSection({ type: "static_select", action_id: "s", options: options(100) }), bad: inSection({ type: "static_select", action_id: "s", options: options(101) }), message: "must be less than 101 items [json-pointer:/blocks/0/accessory/options]" },
  { name: "static_select option_groups (100)", ok: inSection({ type: "static_select", action_id: "s", option_groups: Array.from({ length: 100 }, () => ({ label: plain("G"), options: options(1) })) }), bad: inSection({ type: "static_select", action_id: "s", option_groups: Array.from({ length: 101 }, () => ({ label: plain("G"), options: options(1) })) }), message: "must be less than 101 items [json-pointer:/blocks/0/accessory/option_groups]" },
  { name: "option text (75)", ok: inSection({ type: "static_select", action_id: "s", options: [option(x(75))] }), bad: inSection({ type: "static_select", action_id: "s", options: [option(x(76))] }), message: "must be less than 76 characters [json-pointer:/blocks/0/accessory/options/0/text/text]" },
  { name: "option value (150)", ok: inSection({ type: "static_select", action_id: "s", options: [option("o", x(150))] }), bad: inSection({ type: "static_select", action_id: "s", options: [option("o", x(151))] }), message: "must be less than 151 characters [json-pointer:/blocks/0/accessory/options/0/value]" },
  { name: "placeholder (150)", ok: inSection({ type: "static_select", action_id: "s", options: options(1), placeholder: plain(x(150)) }), bad: inSection({ type: "static_select", action_id: "s", options: options(1), placeholder: plain(x(151)) }), message: "must be less than 151 characters [json-pointer:/blocks/0/accessory/placeholder/text]" },
  { name: "radio_buttons options (10)", ok: inSection({ type: "radio_buttons", action_id: "r", options: options(10) }), bad: inSection({ type: "radio_buttons", action_id: "r", options: options(11) }), message: "must be less than 11 items [json-pointer:/blocks/0/accessory/options]" },
  { name: "checkboxes options (10)", ok: inSection({ type: "checkboxes", action_id: "c", options: options(10) }), bad: inSection({ type: "checkboxes", action_id: "c", options: options(11) }), message: "must be less than 11 items [json-pointer:/blocks/0/accessory/options]" },
];

/** View limits: `invalid_arguments`, json-pointers under /view. */
const VIEW_EDGES: (Edge & { surface?: "modal" | "home" })[] = [
  { name: "modal blocks (100)", ok: modal({ blocks: Array.from({ length: 100 }, () => section()) }), bad: modal({ blocks: Array.from({ length: 101 }, () => section()) }), message: "must be less than 101 items [json-pointer:/view/blocks]" },
  { name: "home blocks (100)", surface: "home", ok: { type: "home", blocks: Array.from({ length: 100 }, () => section()) }, bad: { type: "home", blocks: Array.from({ length: 101 }, () => section()) }, message: "must be less than 101 items [json-pointer:/view/blocks]" },
  { name: "modal title (24)", ok: modal({ title: plain(x(24)) }), bad: modal({ title: plain(x(25)) }), message: "must be less than 25 characters [json-pointer:/view/title/text]" },
  { name: "modal submit (24)", ok: modal({ submit: plain(x(24)) }), bad: modal({ submit: plain(x(25)) }), message: "must be less than 25 characters [json-pointer:/view/submit/text]" },
  { name: "modal close (24)", ok: modal({ close: plain(x(24)) }), bad: modal({ close: plain(x(25)) }), message: "must be less than 25 characters [json-pointer:/view/close/text]" },
  { name: "private_metadata (3000)", ok: modal({ private_metadata: x(3000) }), bad: modal({ private_metadata: x(3001) }), message: "must be less than 3001 characters [json-pointer:/view/private_metadata]" },
  { name: "callback_id (255)", ok: modal({ callback_id: x(255) }), bad: modal({ callback_id: x(256) }), message: "must be less than 256 characters [json-pointer:/view/callback_id]" },
  { name: "external_id (255)", ok: modal({ external_id: x(255) }), bad: modal({ external_id: x(256) }), message: "must be less than 256 characters [json-pointer:/view/external_id]" },
  { name: "input label (2000)", ok: inModal(input({ type: "plain_text_input", action_id: "i" }, { label: plain(x(2000)) })), bad: inModal(input({ type: "plain_text_input", action_id: "i" }, { label: plain(x(2001)) })), message: "must be less than 2001 characters [json-pointer:/view/blocks/0/label/text]" },
  { name: "input hint (2000)", ok: inModal(input({ type: "plain_text_input", action_id: "i" }, { hint: plain(x(2000)) })), bad: inModal(input({ type: "plain_text_input", action_id: "i" }, { hint: plain(x(2001)) })), message: "must be less than 2001 characters [json-pointer:/view/blocks/0/hint/text]" },
  { name: "plain_text_input max_length (3000)", ok: inModal(input({ type: "plain_text_input", action_id: "i", max_length: 3000 })), bad: inModal(input({ type: "plain_text_input", action_id: "i", max_length: 3001 })), message: "must be an integer from 1 to 3000 [json-pointer:/view/blocks/0/element/max_length]" },
  { name: "plain_text_input min_length (3000)", ok: inModal(input({ type: "plain_text_input", action_id: "i", min_length: 3000 })), bad: inModal(input({ type: "plain_text_input", action_id: "i", min_length: 3001 })), message: "must be an integer from 0 to 3000 [json-pointer:/view/blocks/0/element/min_length]" },
  { name: "plain_text_input min_length ≤ max_length", ok: inModal(input({ type: "plain_text_input", action_id: "i", min_length: 10, max_length: 10 })), bad: inModal(input({ type: "plain_text_input", action_id: "i", min_length: 11, max_length: 10 })), message: "must not be greater than max_length [json-pointer:/view/blocks/0/element/min_length]" },
  { name: "plain_text_input initial_value ≤ max_length", ok: inModal(input({ type: "plain_text_input", action_id: "i", max_length: 5, initial_value: x(5) })), bad: inModal(input({ type: "plain_text_input", action_id: "i", max_length: 5, initial_value: x(6) })), message: "must be less than 6 characters [json-pointer:/view/blocks/0/element/initial_value]" },
];

describe("limits at their edge", () => {
  it.each(MESSAGE_EDGES)("message: $name", ({ ok, bad, message }) => {
    expect(checkMessage(ok as Record<string, unknown>)).toEqual({ ok: true });
    const result = refused(checkMessage(bad as Record<string, unknown>));
    expect(result.error).toBe("invalid_blocks");
    expect(result.errors).toEqual([message]);
  });

  it.each(VIEW_EDGES)("view: $name", ({ ok, bad, message, surface }) => {
    expect(checkView(ok, surface ?? "modal")).toEqual({ ok: true });
    const result = refused(checkView(bad, surface ?? "modal"));
    expect(result.error).toBe("invalid_arguments");
    expect(result.errors).toEqual([message]);
  });

  it("counts characters as Slack does (an emoji is one)", () => {
    expect(characters("🎤🎤")).toBe(2);
    expect(checkView(modal({ title: plain(x(24, "🎤")) }), "modal")).toEqual({ ok: true });
    expect(refused(checkView(modal({ title: plain(x(25, "🎤")) }), "modal")).errors).toEqual(["must be less than 25 characters [json-pointer:/view/title/text]"]);
  });

  it("Slack's response_metadata.messages carry the [ERROR] prefix", () => {
    expect(responseMessages(["must be less than 25 characters [json-pointer:/view/title/text]"])).toEqual(["[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"]);
  });
});

// ---------------------------------------------------------------------------

describe("message errors", () => {
  it.each([
    { name: "no text, no blocks", args: {}, error: "no_text" },
    { name: "empty text and empty blocks", args: { text: "", blocks: [] }, error: "no_text" },
    { name: "blocks that are not JSON", args: { blocks: "[{" }, error: "invalid_blocks_format" },
    { name: "blocks that are not an array", args: { blocks: { type: "divider" } }, error: "invalid_blocks_format" },
  ])("$name → $error", ({ args, error }) => {
    expect(refused(checkMessage(args)).error).toBe(error);
  });

  it.each([
    { name: "text only", args: { text: "hello" } },
    { name: "blocks only", args: { blocks: [section()] } },
    { name: "blocks as JSON (form-encoded)", args: { blocks: JSON.stringify([section()]) } },
    { name: "attachments only", args: { attachments: [{ text: "a" }] } },
    { name: "every modelled block", args: { text: "t", blocks: [section(), { type: "divider" }, { type: "header", text: plain("H") }, { type: "context", elements: [mrkdwn("c"), { type: "image", image_url: "https://e.x/i.png", alt_text: "i" }] }, { type: "image", image_url: "https://e.x/i.png", alt_text: "i", title: plain("T") }, inActions(button()).blocks[0]] } },
    { name: "block kinds Slack has that are not modelled", args: { text: "t", blocks: [{ type: "rich_text", elements: [] }, { type: "markdown", text: "**b**" }] } },
    { name: "a datepicker with a date", args: inSection({ type: "datepicker", action_id: "d", initial_date: "2026-02-28" }) },
    { name: "an external select with min_query_length 0", args: inSection({ type: "external_select", action_id: "e", min_query_length: 0 }) },
    { name: "a users select", args: inSection({ type: "users_select", action_id: "u", initial_user: "U1" }) },
    { name: "an image accessory", args: inSection({ type: "image", image_url: "https://e.x/i.png", alt_text: "i" }) },
    { name: "mrkdwn options in checkboxes", args: inSection({ type: "checkboxes", action_id: "c", options: [{ text: mrkdwn("*b*"), value: "b", description: mrkdwn("d") }] }) },
    { name: "an overflow option with a url", args: inSection({ type: "overflow", action_id: "o", options: [{ ...option(), url: "https://e.x" }] }) },
    { name: "the same action_id in two blocks", args: { text: "t", blocks: [inActions(button()).blocks[0], inActions(button()).blocks[0]] } },
  ])("accepts $name", ({ args }) => {
    expect(checkMessage(args as Record<string, unknown>)).toEqual({ ok: true });
  });

  it("text over 40,000 characters is posted truncated with Slack's warning, not refused", () => {
    expect(checkMessage({ text: x(40_000) })).toEqual({ ok: true });
    const result = checkMessage({ text: x(40_001) });
    expect(result).toMatchObject({ ok: true, warnings: ["message_truncated"] });
    expect(result.ok && result.truncatedText).toBe(x(40_000));
  });

  it.each([
    { name: "unknown block type", blocks: [{ type: "carousel_of_doom" }], message: 'unsupported block type: "carousel_of_doom" [json-pointer:/blocks/0/type]' },
    { name: "block without type", blocks: [{ text: mrkdwn("t") }], message: "missing required field: type [json-pointer:/blocks/0]" },
    { name: "unknown element type", blocks: [{ type: "actions", elements: [{ type: "slider", action_id: "s" }] }], message: 'unsupported element type: "slider" [json-pointer:/blocks/0/elements/0/type]' },
    { name: "element not allowed in the block", blocks: [{ type: "actions", elements: [{ type: "plain_text_input", action_id: "p" }] }], message: "element type plain_text_input is not allowed here [json-pointer:/blocks/0/elements/0/type]" },
    { name: "section with neither text nor fields", blocks: [{ type: "section" }], message: "must define either `text` or `fields` [json-pointer:/blocks/0]" },
    { name: "empty text", blocks: [section("")], message: "must be more than 0 characters [json-pointer:/blocks/0/text/text]" },
    { name: "text object without type", blocks: [{ type: "section", text: { text: "t" } }], message: "missing required field: type [json-pointer:/blocks/0/text]" },
    { name: "text object of an unknown kind", blocks: [{ type: "section", text: { type: "markdown", text: "t" } }], message: "must be one of: plain_text, mrkdwn [json-pointer:/blocks/0/text/type]" },
    { name: "header in mrkdwn", blocks: [{ type: "header", text: mrkdwn("H") }], message: "must be one of: plain_text [json-pointer:/blocks/0/text/type]" },
    { name: "button text in mrkdwn", blocks: [inActions(button({ text: mrkdwn("Go") })).blocks[0]], message: "must be one of: plain_text [json-pointer:/blocks/0/elements/0/text/type]" },
    { name: "button style", blocks: [inActions(button({ style: "secondary" })).blocks[0]], message: "must be one of: primary, danger [json-pointer:/blocks/0/elements/0/style]" },
    { name: "confirm style", blocks: [inActions(button({ confirm: confirm({ style: "warning" }) })).blocks[0]], message: "must be one of: primary, danger [json-pointer:/blocks/0/elements/0/confirm/style]" },
    { name: "confirm without deny", blocks: [inActions(button({ confirm: { title: plain("t"), text: plain("t"), confirm: plain("y") } })).blocks[0]], message: "missing required field: deny [json-pointer:/blocks/0/elements/0/confirm]" },
    { name: "empty actions", blocks: [{ type: "actions", elements: [] }], message: "must be more than 0 items [json-pointer:/blocks/0/elements]" },
    { name: "empty context", blocks: [{ type: "context", elements: [] }], message: "must be more than 0 items [json-pointer:/blocks/0/elements]" },
    { name: "duplicate block_id", blocks: [{ ...section(), block_id: "a" }, { ...section(), block_id: "a" }], message: 'duplicate block_id "a", first used at /blocks/0 [json-pointer:/blocks/1/block_id]' },
    { name: "duplicate action_id in a block", blocks: [{ type: "actions", elements: [button(), button()] }], message: 'duplicate action_id "b" in the block [json-pointer:/blocks/0/elements/1/action_id]' },
    { name: "input in a message", blocks: [input({ type: "plain_text_input", action_id: "i" })], message: "input blocks are supported in modals and App Home only, not in messages [json-pointer:/blocks/0]" },
    { name: "datepicker date format", blocks: inSection({ type: "datepicker", action_id: "d", initial_date: "28/02/2026" }).blocks, message: "must be a date in the format YYYY-MM-DD [json-pointer:/blocks/0/accessory/initial_date]" },
    { name: "external_select min_query_length", blocks: inSection({ type: "external_select", action_id: "e", min_query_length: -1 }).blocks, message: "must be an integer of 0 or more [json-pointer:/blocks/0/accessory/min_query_length]" },
    { name: "static_select without options", blocks: inSection({ type: "static_select", action_id: "s" }).blocks, message: "must define either `options` or `option_groups` [json-pointer:/blocks/0/accessory]" },
    { name: "select option in mrkdwn", blocks: inSection({ type: "static_select", action_id: "s", options: [{ text: mrkdwn("o"), value: "o" }] }).blocks, message: "must be one of: plain_text [json-pointer:/blocks/0/accessory/options/0/text/type]" },
    { name: "option without value", blocks: inSection({ type: "radio_buttons", action_id: "r", options: [{ text: plain("o") }] }).blocks, message: "missing required field: value [json-pointer:/blocks/0/accessory/options/0]" },
    { name: "url outside an overflow", blocks: inSection({ type: "radio_buttons", action_id: "r", options: [{ ...option(), url: "https://e.x" }] }).blocks, message: "url is only available in overflow menus [json-pointer:/blocks/0/accessory/options/0/url]" },
    { name: "image without alt_text", blocks: [{ type: "image", image_url: "https://e.x/i.png" }], message: "missing required field: alt_text [json-pointer:/blocks/0]" },
  ])("invalid_blocks: $name", ({ blocks, message }) => {
    const result = refused(checkMessage({ text: "t", blocks }));
    expect(result.error).toBe("invalid_blocks");
    expect(result.errors).toEqual([message]);
  });

  it("reports every problem, each at its json-pointer", () => {
    const result = refused(checkMessage({ text: "t", blocks: [section(x(3001)), { type: "header", text: plain(x(151)) }] }));
    expect(result.errors).toEqual(["must be less than 3001 characters [json-pointer:/blocks/0/text/text]", "must be less than 151 characters [json-pointer:/blocks/1/text/text]"]);
  });

  it("checkBlocks answers as the surface's method does", () => {
    expect(refused(checkBlocks([input({ type: "plain_text_input" })], "message")).error).toBe("invalid_blocks");
    expect(checkBlocks([input({ type: "plain_text_input" })], "modal")).toEqual({ ok: true });
    expect(checkBlocks([input({ type: "plain_text_input" })], "home")).toEqual({ ok: true });
    expect(refused(checkBlocks([section("")], "modal"))).toEqual({ error: "invalid_arguments", errors: ["must be more than 0 characters [json-pointer:/view/blocks/0/text/text]"] });
  });
});

describe("view errors", () => {
  it.each([
    { name: "a home view to views.open", view: { type: "home", blocks: [] }, surface: "modal" as const, messages: ["must be one of: modal [json-pointer:/view/type]", "missing required field: title [json-pointer:/view]"] },
    { name: "a modal to views.publish", view: modal(), surface: "home" as const, messages: ["must be one of: home [json-pointer:/view/type]"] },
    { name: "no view", view: undefined, surface: "modal" as const, messages: ["missing required field: view [json-pointer:/]"] },
    { name: "a modal without title or blocks", view: { type: "modal" }, surface: "modal" as const, messages: ["missing required field: blocks [json-pointer:/view]", "missing required field: title [json-pointer:/view]"] },
    { name: "a title in mrkdwn", view: modal({ title: mrkdwn("T") }), surface: "modal" as const, messages: ["must be one of: plain_text [json-pointer:/view/title/type]"] },
    { name: "an input without submit", view: modal({ submit: undefined, blocks: [input({ type: "plain_text_input", action_id: "i" })] }), surface: "modal" as const, messages: ["missing required field: submit [json-pointer:/view]"] },
    { name: "an input without element", view: inModal({ type: "input", label: plain("L") }), surface: "modal" as const, messages: ["missing required field: element [json-pointer:/view/blocks/0]"] },
    { name: "an input without label", view: inModal({ type: "input", element: { type: "plain_text_input" } }), surface: "modal" as const, messages: ["missing required field: label [json-pointer:/view/blocks/0]"] },
    { name: "a button inside an input", view: inModal(input(button())), surface: "modal" as const, messages: ["element type button is not allowed here [json-pointer:/view/blocks/0/element/type]"] },
  ])("invalid_arguments: $name", ({ view, surface, messages }) => {
    expect(refused(checkView(view, surface))).toEqual({ error: "invalid_arguments", errors: messages });
  });

  it("accepts a view sent as JSON, and a modal with no input and no submit", () => {
    expect(checkView(JSON.stringify(modal()), "modal")).toEqual({ ok: true });
    expect(checkView(modal({ submit: undefined }), "modal")).toEqual({ ok: true });
    expect(checkView({ type: "home", blocks: [input({ type: "plain_text_input", action_id: "i" })] }, "home")).toEqual({ ok: true });
  });

  it("a view over 250 kB is view_too_large", () => {
    const blocks = Array.from({ length: 100 }, () => section(x(2700)));
    expect(refused(checkView(modal({ blocks }), "modal")).error).toBe("view_too_large");
    expect(checkView(modal({ blocks: blocks.slice(0, 90) }), "modal")).toEqual({ ok: true });
  });
});

// ---------------------------------------------------------------------------

describe("ChannelRateLimiter", () => {
  const clock = (start = 0) => {
    const c = { t: start, now: () => c.t };
    return c;
  };

  it("lets a burst of 5 through, then refuses with Retry-After", () => {
    const c = clock();
    const limiter = new ChannelRateLimiter({ now: c.now });
    for (let i = 0; i < 5; i++) expect(limiter.take("C1")).toEqual({ ok: true });
    expect(limiter.take("C1")).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it("refills one message a second, never above the burst", () => {
    const c = clock();
    const limiter = new ChannelRateLimiter({ now: c.now });
    for (let i = 0; i < 5; i++) limiter.take("C1");
    c.t += 999;
    expect(limiter.take("C1").ok).toBe(false);
    c.t += 1;
    expect(limiter.take("C1")).toEqual({ ok: true });
    expect(limiter.take("C1").ok).toBe(false);
    c.t += 60_000;
    for (let i = 0; i < 5; i++) expect(limiter.take("C1")).toEqual({ ok: true });
    expect(limiter.take("C1").ok).toBe(false);
  });

  it("keeps one bucket per channel", () => {
    const c = clock();
    const limiter = new ChannelRateLimiter({ now: c.now, burst: 1 });
    expect(limiter.take("C1")).toEqual({ ok: true });
    expect(limiter.take("C1").ok).toBe(false);
    expect(limiter.take("C2")).toEqual({ ok: true });
    expect(limiter.take("D3")).toEqual({ ok: true });
  });

  it.each([
    { perSecond: 1, wait: 0, retry: 1 },
    { perSecond: 1, wait: 300, retry: 1 },
    { perSecond: 0.25, wait: 0, retry: 4 },
    { perSecond: 0.25, wait: 1500, retry: 3 },
  ])("retryAfter is the whole seconds until the next message ($perSecond/s, $wait ms later)", ({ perSecond, wait, retry }) => {
    const c = clock();
    const limiter = new ChannelRateLimiter({ now: c.now, perSecond, burst: 1 });
    limiter.take("C1");
    c.t += wait;
    expect(limiter.take("C1")).toEqual({ ok: false, retryAfterSeconds: retry });
  });

  it("a refused message takes no token", () => {
    const c = clock();
    const limiter = new ChannelRateLimiter({ now: c.now, burst: 1 });
    limiter.take("C1");
    for (let i = 0; i < 10; i++) limiter.take("C1");
    c.t += 1000;
    expect(limiter.take("C1")).toEqual({ ok: true });
  });
});

describe("TriggerIds", () => {
  const setup = () => {
    const c = { t: 1_700_000_000_000 };
    return { c, triggers: new TriggerIds({ now: () => c.t }) };
  };

  it("issues distinct ids in Slack's shape", () => {
    const { triggers } = setup();
    const a = triggers.issue();
    expect(a).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
    expect(triggers.issue()).not.toBe(a);
  });

  it("is valid for 3 seconds, once", () => {
    const { c, triggers } = setup();
    const id = triggers.issue();
    c.t += 3000;
    expect(triggers.use(id)).toBe("ok");
    expect(triggers.use(id)).toBe("exchanged_trigger_id");
  });

  it("after 3 seconds it is expired", () => {
    const { c, triggers } = setup();
    const id = triggers.issue();
    c.t += 3001;
    expect(triggers.use(id)).toBe("expired_trigger_id");
  });

  it("one it never issued is invalid", () => {
    const { triggers } = setup();
    expect(triggers.use("12345.98765.abcd2358fdea")).toBe("invalid_trigger_id");
    expect(triggers.use("")).toBe("invalid_trigger_id");
  });
});

// ---------------------------------------------------------------------------
// Every view Offboard builds passes Slack's rules: what works in the sandbox works in Slack.

const T0 = new Date("2026-08-09T14:00:00Z");
const LATER = new Date("2026-08-20T15:30:00Z");
const ID = "11111111-1111-4111-8111-111111111111";

/** Text at the domain's limits, full of what escapes to longer text (& < >). */
const long = (n: number) => x(n, "&<");
const NAME = `Ácme & Sons <Holdings> ${x(120, "ñ")}`;

async function shippedPolicies(): Promise<[string, Policy][]> {
  const files = ["offboard.policy.example.yml", ...["000-crfusion", "001-provedor-internet", "002-zetalibra", "003-teamleader", "004-ativar-inativar"].map((f) => `policies/${f}.policy.yml`)];
  const parsed: [string, Policy][] = [["test policy", testPolicy()]];
  for (const file of files) {
    const result = parsePolicy(await readFile(file, "utf8"));
    if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.problems)}`);
    parsed.push([file, result.policy]);
  }
  return parsed;
}

function requestOf(policy: Policy, kind: string, overrides: Partial<StoredRequest> = {}): StoredRequest {
  const opened = openRequest(
    { client: { id: "c1", status: "active", hostedDatabase: true }, kind, requestedBy: "U0REQUESTER", reason: long(FIELD_LIMITS.reason / 2), askedBy: long(FIELD_LIMITS.askedBy / 2), confirmation: long(FIELD_LIMITS.confirmation / 2), notes: long(FIELD_LIMITS.notes / 2), thirdPartyInvolved: true },
    policy,
    T0,
  );
  if (!opened.ok) throw new Error(opened.error.code);
  return { ...opened.request, id: ID, version: 0, number: 1234, ...overrides };
}

/** A request in every state a card shows, with its checks ticked, failed and evidenced. */
function variants(policy: Policy, kind: string): RequestView[] {
  const base = requestOf(policy, kind);
  const ladder = planLadder(base.snapshot, T0, "U0REQUESTER", policy.timezone).map((step, i) => ({
    ...step,
    ...(i % 3 === 0 ? { doneAt: LATER, doneBy: "U0MANAGERA", evidence: long(500) } : i % 3 === 1 ? { snoozedUntil: LATER } : {}),
  }));
  const checks = base.checks.map((c, i) => ({
    ...c,
    ...(i % 2 === 0
      ? { status: "done" as const, tickedBy: "U0MANAGERA", tickedAt: LATER, evidence: long(FIELD_LIMITS.evidence / 2), detail: { count: 7, totalsMinor: { USD: "699999999993" }, charges: Array.from({ length: 7 }, (_, j) => ({ number: `F-${j}`, amountMinor: "99999999999", currency: "USD", dueOn: "2026-08-01" })), equipment: Array.from({ length: 7 }, (_, j) => ({ serial: `SN${j}`, description: NAME })), done: 2, total: 5 } }
      : { status: "failed" as const, detail: { count: 2, totalsMinor: { UYU: "200" }, charges: [{ number: "F-1", amountMinor: "100", currency: "UYU", dueOn: "2026-07-01" }], equipment: [{ serial: "S", description: "Router" }] } }),
  }));
  const client = { id: "c1", ref: "ACME-000001", name: NAME, status: "active" as const, reactivatedAt: null, reactivatedBy: null, dataDeletedAt: null };
  const view = (request: Partial<StoredRequest>, more: Partial<RequestView> = {}): RequestView => ({
    request: { ...base, ...request },
    client,
    steps: [],
    posts: {},
    ladder,
    ladderStopped: null,
    invoicesOnHold: 0,
    now: T0,
    ...more,
  });
  const approvals = [{ approverId: "U0MANAGERA", decision: "approve" as const, reason: null, decidedAt: LATER }];
  const closed = (state: RequestState, reason: string | null) => ({ state, closedBy: "U0MANAGERB", closedAt: LATER, closeReason: reason });
  return [
    view({}),
    view({ checks }),
    view({ checks, approvals }),
    view({ state: "ready", checks, approvals }),
    view({ state: "ready" }, { now: new Date("2030-01-01T00:00:00Z") }),
    view({ state: "executing", checks, approvals }),
    view({ state: "executed", executedBy: "U0MANAGERA", executedAt: LATER, checks, approvals }),
    view({ state: "executed", executedBy: "system", executedAt: LATER }, { client: { ...client, status: "active", reactivatedAt: new Date("2026-09-01T00:00:00Z"), reactivatedBy: "U0MANAGERB", dataDeletedAt: null }, invoicesOnHold: 12 }),
    view({ state: "executed", executedBy: "U0MANAGERA", executedAt: LATER }, { client: { ...client, status: "inactive", dataDeletedAt: LATER }, ladderStopped: { at: LATER, by: "U0MANAGERB", outcome: "paid" } }),
    view({ ...closed("rejected", "No"), approvals: [{ approverId: "U0MANAGERB", decision: "reject", reason: "No", decidedAt: LATER }] }),
    view({ ...closed("withdrawn", null) }, { ladderStopped: { at: LATER, by: "U0MANAGERB", outcome: "answered" } }),
    view({ ...closed("withdrawn", "Client changed their mind") }),
  ];
}

/** Every event the thread tells, at its longest. */
const AUDIT: AuditDraft[] = [
  { action: "check.ticked", data: { checkId: "written_request" } },
  { action: "check.ticked", data: { checkId: "written_request", evidence: long(FIELD_LIMITS.evidence) } },
  { action: "check.unticked", data: { checkId: "phone_call", previouslyTickedBy: "U0REQUESTER", previousEvidence: null, by: "U0REQUESTER" } },
  { action: "check.evaluated", data: { checkId: "no_pending_charges", status: "done", detail: { count: 0, totalsMinor: {}, charges: [] } } },
  { action: "check.evaluated", data: { checkId: "no_pending_charges", status: "failed", detail: { count: 9, totalsMinor: { USD: "900" }, charges: [] } } },
  { action: "request.approved", data: { approvals: 1, required: 2 } },
  { action: "request.rejected", data: { reason: long(FIELD_LIMITS.closeReason) } },
  { action: "request.withdrawn", data: { reason: long(FIELD_LIMITS.closeReason) } },
  { action: "request.withdrawn", data: { reason: null } },
  { action: "request.ready", data: {} },
  { action: "request.reopened", data: {} },
  { action: "execution.started", data: { actions: ["inactivate_client"], by: "U0MANAGERA" } },
  { action: "work_order.created", data: { number: "WO-1", kind: "equipment_retrieval", items: [{ serial: "S1", description: NAME }] } },
  { action: "invoices.released", data: { released: ["F-1", "F-2"] } },
  { action: "work_order.failed", data: { kind: "equipment_retrieval", error: long(500) } },
  { action: "execution.resumed", data: { for: "U0MANAGERA" } },
  { action: "execution.action_done", data: { action: "inactivate_client", idempotencyKey: "k", outcome: {} } },
  { action: "execution.failed", data: { failedAction: "hold_invoices", error: long(1000) } },
  { action: "client.reactivated", data: { afterRequest: null, unchanged: { invoicesOnHold: true, subscriptionsCancelled: true } } },
  { action: "dunning.step_done", data: { stepId: "correo_1", evidence: long(FIELD_LIMITS.evidence) } },
  { action: "dunning.snoozed", data: { stepId: "correo_1", until: LATER } },
  { action: "dunning.reassigned", data: { stepId: "correo_1", from: "U0MANAGERA", to: "U0MANAGERB" } },
  { action: "dunning.stopped", data: { outcome: "paid" } },
  { action: "dunning.stopped", data: { outcome: "answered" } },
  { action: "deletion.waiting", data: { missing: ["written_request", "phone_call"], retryAt: LATER } },
  { action: "client.data_deleted", data: { outcome: {} } },
  { action: "request.executed", data: { actions: ["inactivate_client"] } },
];

function expectSlackAccepts(what: string, result: RuleResult): void {
  expect(result, what).toEqual({ ok: true });
}

describe("every view Offboard builds passes Slack's rules", async () => {
  const policies = await shippedPolicies();
  const contexts: ViewContext[] = LANGUAGES.map((language: Language) => ({ language, policyLanguage: "es" as const, timezone: "America/Montevideo" }));

  describe.each(policies)("%s", (_, policy) => {
    const kinds = Object.keys(policy.kinds);

    it.each(contexts)("request and approval cards, every state ($language)", (ctx) => {
      for (const kind of kinds) {
        for (const [i, view] of variants(policy, kind).entries()) {
          expectSlackAccepts(`request card ${kind} #${i}`, checkMessage(requestCard(view, ctx) as never));
          expectSlackAccepts(`approval card ${kind} #${i}`, checkMessage(approvalCard(view, ctx) as never));
        }
      }
    });

    it.each(contexts)("reminders, digests and timeline replies ($language)", (ctx) => {
      for (const kind of kinds) {
        const [view] = variants(policy, kind);
        const request = view!.request;
        const ladder = planLadder(request.snapshot, T0, "U0REQUESTER", policy.timezone);
        const due = ladder.map((step, i) => ({ request, step, count: i + 1, escalate: i % 2 === 1 }));
        for (const reminder of due) expectSlackAccepts(`reminder ${kind}/${reminder.step.stepId}`, checkMessage(reminderMessage(reminder, NAME, policy, ctx) as never));
        if (due.length) {
          const many = Array.from({ length: DIGEST_SIZE }, (_, i) => ({ reminder: due[i % due.length]!, clientName: NAME }));
          expectSlackAccepts(`digest ${kind}`, checkMessage(digestMessage(many, 999, ctx) as never));
        }
        for (const event of AUDIT) {
          // As stored: the data goes through JSON (dates become text) and is read back in its shape.
          const line = timelineLine({ actor: "U0MANAGERA", action: event.action, data: JSON.parse(JSON.stringify(event.data)) }, view!, ctx);
          expect(line, event.action).not.toBeNull();
          expectSlackAccepts(`timeline ${event.action}`, checkMessage({ text: line!, thread_ts: "1.2" }));
        }
      }
    });

    it.each(contexts)("modals ($language)", (ctx) => {
      const one = [{ ref: "ACME-000001", name: NAME, thirdParty: true }];
      const many = Array.from({ length: 100 }, (_, i) => ({ ref: `C-${i}`, name: `${NAME} ${i}`, thirdParty: false }));
      const views: [string, unknown][] = [
        ["deactivate (one client)", deactivateModal({ policy, clients: one, query: x(100, "<"), today: "2026-08-09" }, ctx)],
        ["deactivate (picker)", deactivateModal({ policy, clients: many, query: x(100, "<"), today: "2026-02-28" }, ctx)],
        ["reject", rejectModal({ id: ID, number: 1234 }, NAME, ctx)],
        ["reactivate", reactivateModal({ ref: "ACME-000001", name: NAME }, { invoicesOnHold: true, subscriptionsCancelled: true }, ctx)],
        ["done", doneModal("Done", long(1000), ctx)],
        ["inactive clients", inactiveClientsModal({ total: 5000, clients: Array.from({ length: 100 }, (_, i) => ({ name: `${NAME} ${i}`, ref: `C-${i}`, at: LATER, by: "U0MANAGERA" })) }, ctx)],
      ];
      for (const kind of Object.values(policy.kinds)) {
        for (const check of kind.checks) views.push([`evidence ${kind.id}/${check.id}`, evidenceModal(ID, check, ctx)]);
        for (const step of kind.dunning) {
          views.push([`step done ${step.id}`, stepDoneModal(ID, step, ctx)], [`snooze ${step.id}`, snoozeModal(ID, step, "2026-08-10", ctx)], [`reassign ${step.id}`, reassignModal(ID, step, "U0MANAGERB", ctx)]);
        }
      }
      for (const [name, view] of views) expectSlackAccepts(name, checkView(view, "modal"));
    });

    it.each(contexts)("App Home ($language)", (ctx) => {
      const line = (i: number) => ({ id: ID, number: i, client: `${NAME} ${i}`, state: "open" });
      const full = {
        mine: Array.from({ length: 15 }, (_, i) => line(i)),
        awaitingMe: Array.from({ length: 15 }, (_, i) => line(i)),
        checksOnMe: Array.from({ length: 15 }, (_, i) => ({ ...line(i), label: policy.kinds[kinds[0]!]!.label })),
        recentlyInactivated: Array.from({ length: 15 }, (_, i) => ({ name: `${NAME} ${i}`, ref: `C-${i}`, at: i % 2 ? LATER : null, by: i % 2 ? "U0MANAGERA" : null })),
      };
      expectSlackAccepts("home (full)", checkView(homeView(full, ctx), "home"));
      expectSlackAccepts("home (empty)", checkView(homeView({ mine: [], awaitingMe: [], checksOnMe: [], recentlyInactivated: [] }, ctx), "home"));
    });
  });

  // Reported, not fixed here: the card's state line is not clipped, and a close reason at the
  // domain's limit (1,000 characters) full of & < > escapes past Slack's 3,000 for a text object.
  it("a rejection or withdrawal reason of 1,000 '&' (escaped to 5,000 characters) still fits the request card's context text", () => {
    const policy = testPolicy();
    const [view] = variants(policy, "voluntary");
    const rejected = { ...view!, request: { ...view!.request, state: "rejected" as const, closedBy: "U0MANAGERB", closedAt: LATER, closeReason: x(FIELD_LIMITS.closeReason, "&") } };
    expectSlackAccepts("rejected card", checkMessage(requestCard(rejected, contexts[0]!) as never));
  });
});
