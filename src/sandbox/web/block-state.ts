/**
 * The pure part of the Block Kit renderer: reading Slack's JSON defensively,
 * the initial `view.state.values` of a surface, and what an interaction does
 * (which value it records, which `block_actions` it sends). No DOM, no Preact:
 * the components in blocks.tsx call these and stay thin.
 */
import type { BlockAction, ElementValue, SlackOption, SlackText, ViewStateValues } from "../protocol.ts";

export type Json = Record<string, unknown>;

export function isObj(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function objs(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

export function textOf(v: unknown): SlackText | undefined {
  if (!isObj(v) || typeof v.text !== "string") return undefined;
  const type = v.type === "mrkdwn" ? "mrkdwn" : "plain_text";
  return typeof v.emoji === "boolean" ? { type, text: v.text, emoji: v.emoji } : { type, text: v.text };
}

export function optionOf(v: unknown): SlackOption | undefined {
  if (!isObj(v) || typeof v.value !== "string") return undefined;
  const text = textOf(v.text);
  if (!text) return undefined;
  const description = textOf(v.description);
  return description ? { text, value: v.value, description } : { text, value: v.value };
}

export function optionList(v: unknown): SlackOption[] {
  return objs(v).flatMap((o) => {
    const option = optionOf(o);
    return option ? [option] : [];
  });
}

export interface OptionGroup {
  label: SlackText;
  options: SlackOption[];
}

export function optionGroupsOf(element: Json): OptionGroup[] {
  return objs(element.option_groups).flatMap((g) => {
    const label = textOf(g.label);
    return label ? [{ label, options: optionList(g.options) }] : [];
  });
}

/** Every option of a select, grouped or not. */
export function allOptions(element: Json): SlackOption[] {
  return [...optionList(element.options), ...optionGroupsOf(element).flatMap((g) => g.options)];
}

/** Slack generates ids for blocks and elements that have none; so does the page, deterministically. */
export function blockIdOf(block: Json, index: number): string {
  return str(block.block_id) ?? `block-${index}`;
}

export function actionIdOf(element: Json, index: number): string {
  return str(element.action_id) ?? `action-${index}`;
}

/** Element types whose value Slack keeps in `view.state.values`. */
export const STATEFUL_ELEMENTS: ReadonlySet<string> = new Set([
  "plain_text_input",
  "static_select",
  "external_select",
  "users_select",
  "datepicker",
  "radio_buttons",
  "checkboxes",
]);

/** The value an element starts with, from its `initial_*` field; undefined for elements without state. */
export function initialElementValue(element: Json): ElementValue | undefined {
  const type = str(element.type) ?? "";
  switch (type) {
    case "plain_text_input":
      return { type, value: str(element.initial_value) ?? null };
    case "static_select":
    case "external_select":
    case "radio_buttons":
      return { type, selected_option: optionOf(element.initial_option) ?? null };
    case "users_select":
      return { type, selected_user: str(element.initial_user) ?? null };
    case "datepicker":
      return { type, selected_date: str(element.initial_date) ?? null };
    case "checkboxes":
      return { type, selected_options: optionList(element.initial_options) };
    default:
      return undefined;
  }
}

/** The stateful elements of a block, with their action ids: an input's element, an actions block's elements, a section's accessory. */
export function statefulElements(block: Json): Array<{ element: Json; actionId: string }> {
  const elements =
    block.type === "input" ? [block.element] : block.type === "actions" ? objs(block.elements) : block.type === "section" ? [block.accessory] : [];
  return elements.flatMap((element, i) =>
    isObj(element) && STATEFUL_ELEMENTS.has(str(element.type) ?? "") ? [{ element, actionId: actionIdOf(element, i) }] : [],
  );
}

/** `view.state.values` of a surface as it opens: every stateful element with its initial value. */
export function initialValues(blocks: readonly Json[]): ViewStateValues {
  const values: ViewStateValues = {};
  blocks.forEach((block, index) => {
    for (const { element, actionId } of statefulElements(block)) {
      const value = initialElementValue(element);
      if (!value) continue;
      const blockId = blockIdOf(block, index);
      values[blockId] = { ...(values[blockId] ?? {}), [actionId]: value };
    }
  });
  return values;
}

export function withValue(values: ViewStateValues, blockId: string, actionId: string, value: ElementValue): ViewStateValues {
  return { ...values, [blockId]: { ...(values[blockId] ?? {}), [actionId]: value } };
}

/** The value an element shows: the recorded one, else its initial one. */
export function currentValue(values: ViewStateValues, blockId: string, actionId: string, element: Json): ElementValue | undefined {
  return values[blockId]?.[actionId] ?? initialElementValue(element);
}

/** Slack's `actions[0]` for an element's new value (null fields are left out, as Slack does). */
export function blockAction(blockId: string, actionId: string, value: ElementValue): BlockAction {
  const action: BlockAction = { type: value.type, action_id: actionId, block_id: blockId };
  if (value.value != null) action.value = value.value;
  if (value.selected_option) action.selected_option = value.selected_option;
  if (value.selected_options) action.selected_options = value.selected_options;
  if (value.selected_date) action.selected_date = value.selected_date;
  if (value.selected_user) action.selected_user = value.selected_user;
  return action;
}

/** Where an element sits: its block's type, id, and whether an input block dispatches actions. */
export interface ElementPlace {
  blockType: string;
  blockId: string;
  actionId: string;
  dispatchAction: boolean;
}

export interface Interaction {
  /** The new state values, when the element keeps state. */
  values?: ViewStateValues;
  /** The `block_actions` to send, when Slack would send one. */
  action?: BlockAction;
}

/**
 * What using an element does. Stateful elements record their value; an element
 * in an input block sends an action only with `dispatch_action: true`; elsewhere
 * (actions blocks, section accessories) every use sends one.
 */
export function interact(place: ElementPlace, next: ElementValue, values: ViewStateValues): Interaction {
  const result: Interaction = {};
  if (STATEFUL_ELEMENTS.has(next.type)) result.values = withValue(values, place.blockId, place.actionId, next);
  if (place.blockType !== "input" || place.dispatchAction) result.action = blockAction(place.blockId, place.actionId, next);
  return result;
}

/** The checkboxes' selection after one box changed, in the order the options are listed (as Slack sends it). */
export function toggleOption(options: readonly SlackOption[], selected: readonly SlackOption[], option: SlackOption, checked: boolean): SlackOption[] {
  const chosen = new Set(selected.map((o) => o.value));
  if (checked) chosen.add(option.value);
  else chosen.delete(option.value);
  return options.filter((o) => chosen.has(o.value));
}

/** A select's option by its value; null for the placeholder (""). */
export function findOption(options: readonly SlackOption[], value: string): SlackOption | null {
  return options.find((o) => o.value === value) ?? null;
}
