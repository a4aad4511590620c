/**
 * Slack's rules for what the Web API accepts, so the sandbox answers as Slack
 * does: the same error codes, and messages in Slack's own style
 * ("must be less than 3001 characters [json-pointer:/blocks/0/text/text]").
 *
 * Pure: no I/O and nothing Node-only, so the page may use it too.
 *
 * Every limit here is Slack's documented one (docs.slack.dev, Block Kit
 * reference), never a stricter guess: what passes here must pass in Slack,
 * and nothing Slack accepts may be refused here. Where the docs are silent
 * the rule is left out (or noted where it is kept).
 *
 * `errors` are given without Slack's "[ERROR] " prefix, as in the top-level
 * `errors` of chat.postMessage; `response_metadata.messages` carries the same
 * lines with the prefix (see `responseMessages`).
 */

export type RuleResult =
  | {
      ok: true;
      /** Slack's `response_metadata.warnings`, e.g. `message_truncated`. */
      warnings?: string[];
      /** Slack's `response_metadata.messages` for those warnings ("[WARN] …"). */
      messages?: string[];
      /** The text as Slack keeps it, when it had to be cut. */
      truncatedText?: string;
    }
  | { ok: false; error: string; errors: string[] };

export type Surface = "message" | "modal" | "home";

/** Slack's limits, as documented. */
export const LIMITS = {
  /** "You can include up to 50 blocks in each message, and 100 blocks in modals or Home tabs." */
  messageBlocks: 50,
  viewBlocks: 100,
  /** Longer `text` is truncated (with a `message_truncated` warning), not refused: changelog 2018-04. */
  messageText: 40_000,
  textObject: 3000,
  blockId: 255,
  actionId: 255,
  sectionText: 3000,
  sectionFields: 10,
  sectionField: 2000,
  contextElements: 10,
  headerText: 150,
  actionsElements: 25,
  inputLabel: 2000,
  inputHint: 2000,
  imageUrl: 3000,
  imageAltText: 2000,
  imageTitle: 2000,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  accessibilityLabel: 75,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  optionText: 75,
  /** docs.slack.dev option object: 150 (older pages and @slack/types still say 75). */
  optionValue: 150,
  optionDescription: 75,
  optionUrl: 3000,
  optionGroupLabel: 75,
  selectOptions: 100,
  selectOptionGroups: 100,
  placeholder: 150,
  overflowOptions: 5,
  radioOptions: 10,
  checkboxOptions: 10,
  textInputLength: 3000,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
  /** views.* answer `view_too_large` above 250 kB. */
  viewBytes: 250 * 1024,
} as const;

// ---------------------------------------------------------------------------
// Messages: chat.postMessage, chat.update, chat.postEphemeral, response_url

/**
 * The arguments of chat.postMessage / chat.update / chat.postEphemeral or a
 * response_url body. `blocks` may be an array or its JSON (as form-encoded
 * calls send it).
 */
export function checkMessage(args: Record<string, unknown>): RuleResult {
  let blocks: unknown = args.blocks;
  if (typeof blocks === "string") {
    if (blocks.trim() === "") blocks = undefined;
    else {
      try {
        blocks = JSON.parse(blocks);
      } catch {
        return { ok: false, error: "invalid_blocks_format", errors: ["blocks must be a JSON-encoded array [json-pointer:/blocks]"] };
      }
    }
  }
  if (blocks !== undefined && blocks !== null && !Array.isArray(blocks)) {
    return { ok: false, error: "invalid_blocks_format", errors: ["must be an array [json-pointer:/blocks]"] };
  }
  const blockList = (blocks ?? []) as unknown[];
  const text = typeof args.text === "string" ? args.text : "";
  const hasAttachments = typeof args.attachments === "string" ? args.attachments.trim() !== "" && args.attachments.trim() !== "[]" : Array.isArray(args.attachments) && args.attachments.length > 0;
  if (text === "" && blockList.length === 0 && !hasAttachments) {
    return { ok: false, error: "no_text", errors: ["no text, blocks or attachments [json-pointer:/text]"] };
  }
  if (blockList.length > 0) {
    const errors = blocksErrors(blockList, "message", "/blocks", LIMITS.messageBlocks);
    if (errors.length) return { ok: false, error: "invalid_blocks", errors };
  }
  if (characters(text) > LIMITS.messageText) {
    // Slack posts the message cut to 40,000 characters and warns; it does not refuse it.
    return {
      ok: true,
      warnings: ["message_truncated"],
      messages: ["[WARN] Your message was truncated but still posted. The `text` field accepts up to 40,000 characters."],
      truncatedText: [...text].slice(0, LIMITS.messageText).join(""),
    };
  }
  return { ok: true };
}

/** Blocks on their own: `invalid_blocks` for a message, `invalid_arguments` for a view. */
export function checkBlocks(blocks: unknown, surface: Surface): RuleResult {
  const base = surface === "message" ? "/blocks" : "/view/blocks";
  const max = surface === "message" ? LIMITS.messageBlocks : LIMITS.viewBlocks;
  const errors = Array.isArray(blocks) ? blocksErrors(blocks, surface, base, max) : [`must be an array [json-pointer:${base}]`];
  if (errors.length === 0) return { ok: true };
  return { ok: false, error: surface === "message" ? "invalid_blocks" : "invalid_arguments", errors };
}

// ---------------------------------------------------------------------------
// Views: views.open, views.push, views.update (modal), views.publish (home)

export function checkView(view: unknown, surface: "modal" | "home"): RuleResult {
  let value = view;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return { ok: false, error: "invalid_arguments", errors: ["view must be a JSON-encoded object [json-pointer:/view]"] };
    }
  }
  if (!isObject(value)) return { ok: false, error: "invalid_arguments", errors: ["missing required field: view [json-pointer:/]"] };
  if (new TextEncoder().encode(JSON.stringify(value)).length > LIMITS.viewBytes) {
    return { ok: false, error: "view_too_large", errors: [] };
  }
  const c = new Checker();
  const p = "/view";
  if (value.type === undefined) c.missing("type", p);
  else if (value.type !== surface) c.oneOf([surface], `${p}/type`);
  if (!Array.isArray(value.blocks)) {
    if (value.blocks === undefined) c.missing("blocks", p);
    else c.add(`must be an array [json-pointer:${p}/blocks]`);
  }
  if (surface === "modal") {
    if (value.title === undefined) c.missing("title", p);
    else c.text(value.title, `${p}/title`, { max: LIMITS.viewTitle, plainOnly: true });
    if (value.close !== undefined) c.text(value.close, `${p}/close`, { max: LIMITS.viewButton, plainOnly: true });
    if (value.submit !== undefined) c.text(value.submit, `${p}/submit`, { max: LIMITS.viewButton, plainOnly: true });
    else if (Array.isArray(value.blocks) && value.blocks.some((b) => isObject(b) && b.type === "input")) c.missing("submit", p);
  }
  c.string(value.private_metadata, `${p}/private_metadata`, LIMITS.privateMetadata);
  c.string(value.callback_id, `${p}/callback_id`, LIMITS.callbackId);
  c.string(value.external_id, `${p}/external_id`, LIMITS.externalId);
  if (Array.isArray(value.blocks)) c.errors.push(...blocksErrors(value.blocks, surface, `${p}/blocks`, LIMITS.viewBlocks));
  return c.errors.length ? { ok: false, error: "invalid_arguments", errors: c.errors } : { ok: true };
}

/** Slack's `response_metadata.messages` for these errors. */
export function responseMessages(errors: readonly string[]): string[] {
  return errors.map((e) => `[ERROR] ${e}`);
}

// ---------------------------------------------------------------------------
// Blocks and elements

type Obj = Record<string, unknown>;

/**
 * Characters as Slack counts them: Unicode code points, so an emoji is one
 * (JavaScript's `length` would count it twice and be stricter than Slack).
 */
export function characters(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const STYLES = ["primary", "danger"];
const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** Block types Slack has that the sandbox does not model in detail: accepted with their block_id checked. */
const OTHER_BLOCKS = new Set(["rich_text", "markdown", "file", "video", "table", "context_actions", "plan", "task_card", "card", "carousel", "alert", "container"]);
/** Elements Slack has that the sandbox does not model in detail: accepted with their action_id and placeholder checked. */
const OTHER_ELEMENTS = new Set([
  "multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select", "multi_channels_select",
  "conversations_select", "channels_select", "timepicker", "datetimepicker", "email_text_input", "number_input", "url_text_input",
  "file_input", "rich_text_input", "workflow_button", "feedback_buttons", "icon_button",
]);
const MODELLED_ELEMENTS = new Set(["button", "overflow", "static_select", "external_select", "users_select", "datepicker", "radio_buttons", "checkboxes", "plain_text_input", "image"]);

/** Which elements each block takes (docs.slack.dev "Works with block types"). */
const SECTION_ACCESSORIES = new Set(["button", "overflow", "static_select", "external_select", "users_select", "datepicker", "radio_buttons", "checkboxes", "image", "multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select", "multi_channels_select", "conversations_select", "channels_select", "timepicker", "workflow_button"]);
const ACTIONS_ELEMENTS = new Set(["button", "overflow", "static_select", "external_select", "users_select", "datepicker", "radio_buttons", "checkboxes", "multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select", "multi_channels_select", "conversations_select", "channels_select", "timepicker", "datetimepicker", "workflow_button", "rich_text_input"]);
const INPUT_ELEMENTS = new Set(["plain_text_input", "static_select", "external_select", "users_select", "datepicker", "radio_buttons", "checkboxes", "multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select", "multi_channels_select", "conversations_select", "channels_select", "timepicker", "datetimepicker", "email_text_input", "number_input", "url_text_input", "file_input", "rich_text_input"]);

function blocksErrors(blocks: unknown[], surface: Surface, base: string, max: number): string[] {
  const c = new Checker();
  if (blocks.length > max) c.tooMany(max, base);
  const blockIds = new Map<string, number>();
  blocks.forEach((block, i) => {
    const p = `${base}/${i}`;
    if (!isObject(block)) return c.add(`must be an object [json-pointer:${p}]`);
    if (typeof block.block_id === "string") {
      if (blockIds.has(block.block_id)) c.add(`duplicate block_id ${JSON.stringify(block.block_id)}, first used at ${base}/${blockIds.get(block.block_id)} [json-pointer:${p}/block_id]`);
      else blockIds.set(block.block_id, i);
    }
    c.block(block, p, surface);
  });
  return c.errors;
}

interface TextRule {
  max: number;
  plainOnly?: boolean;
}

class Checker {
  readonly errors: string[] = [];

  add(message: string): void {
    this.errors.push(message);
  }

  missing(field: string, parent: string): void {
    this.add(`missing required field: ${field} [json-pointer:${parent}]`);
  }

  tooMany(max: number, p: string): void {
    this.add(`must be less than ${max + 1} items [json-pointer:${p}]`);
  }

  oneOf(allowed: readonly string[], p: string): void {
    this.add(`must be one of: ${allowed.join(", ")} [json-pointer:${p}]`);
  }

  /** An optional string of at most `max` characters (1 at least when given, as Slack's schema has it for ids). */
  string(value: unknown, p: string, max: number, options: { required?: boolean; parent?: string; name?: string; minLength?: number } = {}): void {
    if (value === undefined || value === null) {
      if (options.required) this.missing(options.name ?? p.split("/").pop()!, options.parent ?? p.slice(0, p.lastIndexOf("/")));
      return;
    }
    if (typeof value !== "string") return this.add(`must be a string [json-pointer:${p}]`);
    const length = characters(value);
    if (length > max) this.add(`must be less than ${max + 1} characters [json-pointer:${p}]`);
    const min = options.minLength ?? 0;
    if (length < min) this.add(`must be more than ${min - 1} characters [json-pointer:${p}]`);
  }

  /** A text object: `type` plain_text or mrkdwn (plain_text only where Slack says so) and `text` of 1 to `max` characters. */
  text(value: unknown, p: string, rule: TextRule): void {
    if (!isObject(value)) return this.add(`must be a text object [json-pointer:${p}]`);
    const allowed = rule.plainOnly ? ["plain_text"] : ["plain_text", "mrkdwn"];
    if (value.type === undefined) this.missing("type", p);
    else if (!allowed.includes(value.type as string)) this.oneOf(allowed, `${p}/type`);
    if (value.text === undefined) return this.missing("text", p);
    if (typeof value.text !== "string") return this.add(`must be a string [json-pointer:${p}/text]`);
    const length = characters(value.text);
    const max = Math.min(rule.max, LIMITS.textObject);
    if (length === 0) this.add(`must be more than 0 characters [json-pointer:${p}/text]`);
    if (length > max) this.add(`must be less than ${max + 1} characters [json-pointer:${p}/text]`);
    if (value.emoji !== undefined && typeof value.emoji !== "boolean") this.add(`must be a boolean [json-pointer:${p}/emoji]`);
  }

  array(value: unknown, p: string, min: number, max: number, options: { required?: boolean } = { required: true }): unknown[] | undefined {
    if (value === undefined) {
      if (options.required) this.missing(p.split("/").pop()!, p.slice(0, p.lastIndexOf("/")));
      return undefined;
    }
    if (!Array.isArray(value)) {
      this.add(`must be an array [json-pointer:${p}]`);
      return undefined;
    }
    if (value.length < min) this.add(`must be more than ${min - 1} items [json-pointer:${p}]`);
    if (value.length > max) this.tooMany(max, p);
    return value;
  }

  block(block: Obj, p: string, surface: Surface): void {
    this.string(block.block_id, `${p}/block_id`, LIMITS.blockId, { minLength: 1 });
    switch (block.type) {
      case "section":
        return this.section(block, p);
      case "context": {
        const elements = this.array(block.elements, `${p}/elements`, 1, LIMITS.contextElements);
        elements?.forEach((e, i) => {
          const ep = `${p}/elements/${i}`;
          if (isObject(e) && e.type === "image") this.imageElement(e, ep);
          else this.text(e, ep, { max: LIMITS.textObject });
        });
        return;
      }
      case "header":
        if (block.text === undefined) return this.missing("text", p);
        return this.text(block.text, `${p}/text`, { max: LIMITS.headerText, plainOnly: true });
      case "divider":
        return;
      case "actions": {
        const elements = this.array(block.elements, `${p}/elements`, 1, LIMITS.actionsElements);
        const actionIds = new Set<string>();
        elements?.forEach((e, i) => {
          const ep = `${p}/elements/${i}`;
          this.element(e, ep, ACTIONS_ELEMENTS);
          if (isObject(e) && typeof e.action_id === "string") {
            if (actionIds.has(e.action_id)) this.add(`duplicate action_id ${JSON.stringify(e.action_id)} in the block [json-pointer:${ep}/action_id]`);
            actionIds.add(e.action_id);
          }
        });
        return;
      }
      case "input":
        if (surface === "message") return this.add(`input blocks are supported in modals and App Home only, not in messages [json-pointer:${p}]`);
        if (block.label === undefined) this.missing("label", p);
        else this.text(block.label, `${p}/label`, { max: LIMITS.inputLabel, plainOnly: true });
        if (block.hint !== undefined) this.text(block.hint, `${p}/hint`, { max: LIMITS.inputHint, plainOnly: true });
        if (block.element === undefined) return this.missing("element", p);
        return this.element(block.element, `${p}/element`, INPUT_ELEMENTS);
      case "image":
        return this.imageBlock(block, p);
      case undefined:
        return this.missing("type", p);
      default:
        if (typeof block.type === "string" && OTHER_BLOCKS.has(block.type)) return;
        return this.add(`unsupported block type: ${JSON.stringify(block.type)} [json-pointer:${p}/type]`);
    }
  }

  section(block: Obj, p: string): void {
    if (block.text === undefined && block.fields === undefined) return this.add(`must define either \`text\` or \`fields\` [json-pointer:${p}]`);
    if (block.text !== undefined) this.text(block.text, `${p}/text`, { max: LIMITS.sectionText });
    if (block.fields !== undefined) {
      const fields = this.array(block.fields, `${p}/fields`, 1, LIMITS.sectionFields);
      fields?.forEach((f, i) => this.text(f, `${p}/fields/${i}`, { max: LIMITS.sectionField }));
    }
    if (block.accessory !== undefined) this.element(block.accessory, `${p}/accessory`, SECTION_ACCESSORIES);
  }

  imageBlock(block: Obj, p: string): void {
    if (block.image_url === undefined && block.slack_file === undefined) this.missing("image_url", p);
    this.string(block.image_url, `${p}/image_url`, LIMITS.imageUrl);
    this.string(block.alt_text, `${p}/alt_text`, LIMITS.imageAltText, { required: true, parent: p, name: "alt_text" });
    if (block.title !== undefined) this.text(block.title, `${p}/title`, { max: LIMITS.imageTitle, plainOnly: true });
  }

  imageElement(e: Obj, p: string): void {
    if (e.image_url === undefined && e.slack_file === undefined) this.missing("image_url", p);
    this.string(e.image_url, `${p}/image_url`, Number.MAX_SAFE_INTEGER);
    this.string(e.alt_text, `${p}/alt_text`, Number.MAX_SAFE_INTEGER, { required: true, parent: p, name: "alt_text" });
  }

  element(value: unknown, p: string, allowed: ReadonlySet<string>): void {
    if (!isObject(value)) return this.add(`must be an object [json-pointer:${p}]`);
    const type = value.type;
    if (type === undefined) return this.missing("type", p);
    if (typeof type !== "string" || (!MODELLED_ELEMENTS.has(type) && !OTHER_ELEMENTS.has(type))) {
      return this.add(`unsupported element type: ${JSON.stringify(type)} [json-pointer:${p}/type]`);
    }
    if (!allowed.has(type)) return this.add(`element type ${type} is not allowed here [json-pointer:${p}/type]`);
    if (type !== "image") this.string(value.action_id, `${p}/action_id`, LIMITS.actionId, { minLength: 1 });
    if (value.placeholder !== undefined && type !== "image") this.text(value.placeholder, `${p}/placeholder`, { max: LIMITS.placeholder, plainOnly: true });
    if (value.confirm !== undefined) this.confirm(value.confirm, `${p}/confirm`);
    switch (type) {
      case "button":
        if (value.text === undefined) this.missing("text", p);
        else this.text(value.text, `${p}/text`, { max: LIMITS.buttonText, plainOnly: true });
        this.string(value.value, `${p}/value`, LIMITS.buttonValue);
        this.string(value.url, `${p}/url`, LIMITS.buttonUrl);
        this.string(value.accessibility_label, `${p}/accessibility_label`, LIMITS.accessibilityLabel);
        if (value.style !== undefined && !STYLES.includes(value.style as string)) this.oneOf(STYLES, `${p}/style`);
        return;
      case "overflow":
        this.array(value.options, `${p}/options`, 1, LIMITS.overflowOptions)?.forEach((o, i) => this.option(o, `${p}/options/${i}`, { plainOnly: true, url: true }));
        return;
      case "static_select":
        return this.staticSelect(value, p);
      case "external_select":
        if (value.min_query_length !== undefined && !(Number.isInteger(value.min_query_length) && (value.min_query_length as number) >= 0)) {
          this.add(`must be an integer of 0 or more [json-pointer:${p}/min_query_length]`);
        }
        if (value.initial_option !== undefined) this.option(value.initial_option, `${p}/initial_option`, { plainOnly: true });
        return;
      case "users_select":
        if (value.initial_user !== undefined && typeof value.initial_user !== "string") this.add(`must be a string [json-pointer:${p}/initial_user]`);
        return;
      case "datepicker":
        if (value.initial_date !== undefined && !(typeof value.initial_date === "string" && ISO_DATE.test(value.initial_date))) {
          this.add(`must be a date in the format YYYY-MM-DD [json-pointer:${p}/initial_date]`);
        }
        return;
      case "radio_buttons":
        this.array(value.options, `${p}/options`, 1, LIMITS.radioOptions)?.forEach((o, i) => this.option(o, `${p}/options/${i}`, {}));
        if (value.initial_option !== undefined) this.option(value.initial_option, `${p}/initial_option`, {});
        return;
      case "checkboxes":
        this.array(value.options, `${p}/options`, 1, LIMITS.checkboxOptions)?.forEach((o, i) => this.option(o, `${p}/options/${i}`, {}));
        this.array(value.initial_options, `${p}/initial_options`, 0, LIMITS.checkboxOptions, { required: false })?.forEach((o, i) => this.option(o, `${p}/initial_options/${i}`, {}));
        return;
      case "plain_text_input":
        return this.textInput(value, p);
      case "image":
        return this.imageElement(value, p);
      default:
        return;
    }
  }

  staticSelect(value: Obj, p: string): void {
    if (value.options !== undefined && value.option_groups !== undefined) this.add(`must define either \`options\` or \`option_groups\`, not both [json-pointer:${p}]`);
    if (value.options === undefined && value.option_groups === undefined) this.add(`must define either \`options\` or \`option_groups\` [json-pointer:${p}]`);
    if (value.options !== undefined) {
      this.array(value.options, `${p}/options`, 1, LIMITS.selectOptions)?.forEach((o, i) => this.option(o, `${p}/options/${i}`, { plainOnly: true }));
    }
    if (value.option_groups !== undefined) {
      this.array(value.option_groups, `${p}/option_groups`, 1, LIMITS.selectOptionGroups)?.forEach((g, i) => {
        const gp = `${p}/option_groups/${i}`;
        if (!isObject(g)) return this.add(`must be an object [json-pointer:${gp}]`);
        if (g.label === undefined) this.missing("label", gp);
        else this.text(g.label, `${gp}/label`, { max: LIMITS.optionGroupLabel, plainOnly: true });
        this.array(g.options, `${gp}/options`, 1, LIMITS.selectOptions)?.forEach((o, j) => this.option(o, `${gp}/options/${j}`, { plainOnly: true }));
      });
    }
    if (value.initial_option !== undefined) this.option(value.initial_option, `${p}/initial_option`, { plainOnly: true });
  }

  textInput(value: Obj, p: string): void {
    const length = (name: "min_length" | "max_length", min: number) => {
      const n = value[name];
      if (n === undefined) return undefined;
      if (!Number.isInteger(n) || (n as number) < min || (n as number) > LIMITS.textInputLength) {
        this.add(`must be an integer from ${min} to ${LIMITS.textInputLength} [json-pointer:${p}/${name}]`);
        return undefined;
      }
      return n as number;
    };
    const minLength = length("min_length", 0);
    const maxLength = length("max_length", 1);
    // Not in the docs (which are silent on it); kept because no input can be both.
    if (minLength !== undefined && maxLength !== undefined && minLength > maxLength) this.add(`must not be greater than max_length [json-pointer:${p}/min_length]`);
    if (value.initial_value !== undefined) {
      // Not in the docs either: an initial value longer than the field accepts could never be submitted.
      this.string(value.initial_value, `${p}/initial_value`, maxLength ?? Number.MAX_SAFE_INTEGER);
    }
    if (value.multiline !== undefined && typeof value.multiline !== "boolean") this.add(`must be a boolean [json-pointer:${p}/multiline]`);
  }

  option(value: unknown, p: string, kind: { plainOnly?: boolean; url?: boolean }): void {
    if (!isObject(value)) return this.add(`must be an object [json-pointer:${p}]`);
    if (value.text === undefined) this.missing("text", p);
    else this.text(value.text, `${p}/text`, { max: LIMITS.optionText, plainOnly: kind.plainOnly ?? false });
    this.string(value.value, `${p}/value`, LIMITS.optionValue, { required: true, parent: p, name: "value" });
    if (value.description !== undefined) this.text(value.description, `${p}/description`, { max: LIMITS.optionDescription, plainOnly: kind.plainOnly ?? false });
    if (value.url !== undefined) {
      if (!kind.url) this.add(`url is only available in overflow menus [json-pointer:${p}/url]`);
      else this.string(value.url, `${p}/url`, LIMITS.optionUrl);
    }
  }

  confirm(value: unknown, p: string): void {
    if (!isObject(value)) return this.add(`must be an object [json-pointer:${p}]`);
    const part = (name: "title" | "text" | "confirm" | "deny", max: number, plainOnly: boolean) => {
      if (value[name] === undefined) this.missing(name, p);
      else this.text(value[name], `${p}/${name}`, { max, plainOnly });
    };
    part("title", LIMITS.confirmTitle, true);
    part("text", LIMITS.confirmText, false);
    part("confirm", LIMITS.confirmButton, true);
    part("deny", LIMITS.confirmButton, true);
    if (value.style !== undefined && !STYLES.includes(value.style as string)) this.oneOf(STYLES, `${p}/style`);
  }
}

// ---------------------------------------------------------------------------
// chat.postMessage's rate limit

/**
 * Slack: "chat.postMessage generally allows posting one message per second per
 * channel ... Short bursts >1 allowed" (docs.slack.dev/apis/web-api/rate-limits).
 * A token bucket per channel: `perSecond` tokens a second, holding at most
 * `burst`. Slack publishes no burst size; 5 lets through what one click in
 * Offboard really produces (a card, its thread reply and a DM or two) while a
 * loop that posts to one channel is refused within a second, as in Slack.
 */
export class ChannelRateLimiter {
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly now: () => number;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: { perSecond?: number; burst?: number; now?: () => number } = {}) {
    this.perSecond = options.perSecond ?? 1;
    this.burst = options.burst ?? 5;
    this.now = options.now ?? (() => Date.now());
    if (!(this.perSecond > 0) || !(this.burst >= 1)) throw new RangeError("perSecond must be > 0 and burst >= 1");
  }

  /** One message to `channel`: allowed, or refused with Slack's Retry-After (whole seconds, at least 1). */
  take(channel: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    const bucket = this.buckets.get(channel) ?? { tokens: this.burst, at: now };
    const elapsed = Math.max(0, now - bucket.at) / 1000;
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.perSecond);
    bucket.at = now;
    this.buckets.set(channel, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)) };
  }
}

// ---------------------------------------------------------------------------
// trigger_id

export type TriggerUse = "ok" | "expired_trigger_id" | "exchanged_trigger_id" | "invalid_trigger_id";

/**
 * trigger_ids as Slack hands them out: valid for 3 seconds, exchangeable once.
 * Slack's errors (views.open / views.push): `expired_trigger_id` "The
 * trigger_id is expired", `exchanged_trigger_id` "The trigger_id was already
 * exchanged in a previous call", `invalid_trigger_id` for one it never issued
 * (expected format "132456.7890123.abcdef").
 */
export class TriggerIds {
  static readonly VALID_MS = 3000;
  private readonly now: () => number;
  private readonly issued = new Map<string, { at: number; used: boolean }>();
  private counter = 0;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? (() => Date.now());
  }

  issue(): string {
    const at = this.now();
    this.forgetOld(at);
    this.counter += 1;
    const random = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    const id = `${Math.floor(at / 1000)}.${this.counter}.${random}`;
    this.issued.set(id, { at, used: false });
    return id;
  }

  use(id: string): TriggerUse {
    const found = this.issued.get(id);
    if (!found) return "invalid_trigger_id";
    if (found.used) return "exchanged_trigger_id";
    if (this.now() - found.at > TriggerIds.VALID_MS) return "expired_trigger_id";
    found.used = true;
    return "ok";
  }

  /** Ids older than a minute answer `invalid_trigger_id` instead of `expired_trigger_id`; memory stays small. */
  private forgetOld(now: number): void {
    if (this.issued.size < 1000) return;
    for (const [id, entry] of this.issued) if (now - entry.at > 60_000) this.issued.delete(id);
  }
}
