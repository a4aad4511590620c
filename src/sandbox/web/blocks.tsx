/**
 * Block Kit rendered as Slack's client shows it, for the sandbox page:
 * messages, modals and the App Home. Interactions come back as Slack's
 * `block_actions` (through `ctx.onAction`) and, on surfaces with state, as
 * `view.state.values` (through `onValues`).
 *
 * The rules (what an interaction records, what it sends) live in
 * block-state.ts; these components only draw and forward events.
 */
import type { VNode } from "preact";
import { useId, useRef, useState } from "preact/hooks";
import type { BlockAction, ElementValue, SlackOption, ViewStateValues } from "../protocol.ts";
import {
  actionIdOf,
  allOptions,
  blockIdOf,
  currentValue,
  findOption,
  initialValues,
  interact,
  isObj,
  objs,
  optionGroupsOf,
  optionList,
  optionOf,
  str,
  textOf,
  toggleOption,
  withValue,
  blockAction,
  type ElementPlace,
  type Json,
} from "./block-state.ts";
import { renderPlainText, textString, TextObject, type MentionLookup } from "./mrkdwn.tsx";

export { initialValues } from "./block-state.ts";

export interface RenderContext extends MentionLookup {
  /** An element in a message, or an interactive element outside an input block (actions/section accessory), was used. */
  onAction(action: BlockAction): void;
  /** external_select typeahead */
  suggest?(actionId: string, blockId: string, query: string): Promise<SlackOption[]>;
  /** The people a users_select offers; without it, only the current choice is listed. */
  users?(): Array<{ id: string; name: string }>;
}

export type Surface = "message" | "modal" | "home";

export interface BlocksProps {
  blocks: Record<string, unknown>[];
  ctx: RenderContext;
  surface: Surface;
  values?: ViewStateValues;
  onValues?: (values: ViewStateValues) => void;
  /** Inline errors from `response_action: errors`: block_id → message. */
  errors?: Record<string, string>;
}

/** What every block and element needs from the surface. */
export interface Env {
  ctx: RenderContext;
  surface: Surface;
  values: ViewStateValues;
  errors: Record<string, string>;
  /** Makes element ids unique on the page (the same block_id can appear in many messages). */
  idPrefix: string;
  update(values: ViewStateValues): void;
}

const SAFE_URL = /^(?:https?:|mailto:|tel:)/i;

function safeUrl(url: string | undefined): string | undefined {
  return url && SAFE_URL.test(url) ? url : undefined;
}

function classes(...names: Array<string | false | undefined>): string {
  return names.filter(Boolean).join(" ");
}

/**
 * A surface's blocks. With `values` the state is the caller's (modals, home);
 * without, the blocks keep it themselves until the blocks change (messages).
 */
export function Blocks(props: BlocksProps): VNode {
  const idPrefix = useId();
  const signature = JSON.stringify(props.blocks);
  const [local, setLocal] = useState<{ signature: string; values: ViewStateValues } | null>(null);
  const values = props.values ?? (local?.signature === signature ? local.values : initialValues(props.blocks));
  const env: Env = {
    ctx: props.ctx,
    surface: props.surface,
    values,
    errors: props.errors ?? {},
    idPrefix,
    update: (next) => {
      if (!props.values) setLocal({ signature, values: next });
      props.onValues?.(next);
    },
  };
  return <BlockList blocks={props.blocks} env={env} />;
}

/** The blocks of a surface, given its state (no hooks: Blocks adds those). */
export function BlockList(props: { blocks: Json[]; env: Env }): VNode {
  return (
    <div class={`bk-blocks bk-surface-${props.env.surface}`}>
      {props.blocks.map((block, index) => (
        <Block key={index} block={block} index={index} env={props.env} />
      ))}
    </div>
  );
}

interface BlockProps {
  block: Json;
  index: number;
  env: Env;
}

export function Block(props: BlockProps): VNode {
  const { block } = props;
  switch (block.type) {
    case "section":
      return <SectionBlock {...props} />;
    case "context":
      return <ContextBlock {...props} />;
    case "header":
      return (
        <h3 class="bk-header">
          <TextObject text={textOf(block.text)} ctx={props.env.ctx} />
        </h3>
      );
    case "divider":
      return <hr class="bk-divider" />;
    case "actions":
      return <ActionsBlock {...props} />;
    case "input":
      return <InputBlock {...props} />;
    case "image":
      return <ImageBlock {...props} />;
    default:
      return <Unsupported what="block" type={block.type} />;
  }
}

function Unsupported(props: { what: "block" | "element"; type: unknown }): VNode {
  return (
    <div class="bk-unsupported" role="note">
      unsupported {props.what}: {typeof props.type === "string" ? props.type : JSON.stringify(props.type) ?? "(none)"}
    </div>
  );
}

function SectionBlock({ block, index, env }: BlockProps): VNode {
  const blockId = blockIdOf(block, index);
  const fields = objs(block.fields).flatMap((f) => {
    const text = textOf(f);
    return text ? [text] : [];
  });
  const accessory = isObj(block.accessory) ? block.accessory : undefined;
  return (
    <div class="bk-section">
      <div class="bk-section-body">
        {isObj(block.text) && (
          <div class="bk-section-text">
            <TextObject text={textOf(block.text)} ctx={env.ctx} />
          </div>
        )}
        {fields.length > 0 && (
          <div class="bk-fields">
            {fields.map((field, i) => (
              <div key={i} class="bk-field">
                <TextObject text={field} ctx={env.ctx} />
              </div>
            ))}
          </div>
        )}
      </div>
      {accessory && (
        <div class="bk-accessory">
          <Element
            element={accessory}
            env={env}
            id={`${env.idPrefix}-b${index}-accessory`}
            place={{ blockType: "section", blockId, actionId: actionIdOf(accessory, 0), dispatchAction: false }}
          />
        </div>
      )}
    </div>
  );
}

function ContextBlock({ block, env }: BlockProps): VNode {
  return (
    <div class="bk-context">
      {objs(block.elements).map((el, i) =>
        el.type === "image" ? (
          <ImageElement key={i} element={el} className="bk-context-image" />
        ) : (
          <span key={i} class="bk-context-text">
            <TextObject text={textOf(el)} ctx={env.ctx} />
          </span>
        ),
      )}
    </div>
  );
}

function ActionsBlock({ block, index, env }: BlockProps): VNode {
  const blockId = blockIdOf(block, index);
  return (
    <div class="bk-actions">
      {objs(block.elements).map((element, i) => (
        <Element
          key={i}
          element={element}
          env={env}
          id={`${env.idPrefix}-b${index}-e${i}`}
          place={{ blockType: "actions", blockId, actionId: actionIdOf(element, i), dispatchAction: false }}
        />
      ))}
    </div>
  );
}

function ImageBlock({ block, env }: BlockProps): VNode {
  const title = textOf(block.title);
  return (
    <figure class="bk-image-block">
      {title && (
        <figcaption class="bk-image-title">
          <TextObject text={title} ctx={env.ctx} />
        </figcaption>
      )}
      <ImageElement element={block} className="bk-image" />
    </figure>
  );
}

function ImageElement(props: { element: Json; className: string }): VNode {
  const src = safeUrl(str(props.element.image_url));
  const alt = str(props.element.alt_text) ?? "";
  if (!src) return <span class={props.className}>[image: {alt}]</span>;
  return <img class={props.className} src={src} alt={alt} loading="lazy" />;
}

const GROUP_ELEMENTS = new Set(["checkboxes", "radio_buttons"]);

function InputBlock({ block, index, env }: BlockProps): VNode {
  const blockId = blockIdOf(block, index);
  const element = isObj(block.element) ? block.element : undefined;
  const base = `${env.idPrefix}-b${index}`;
  const ids = { control: `${base}-control`, label: `${base}-label`, hint: `${base}-hint`, error: `${base}-error` };
  const hint = textOf(block.hint);
  const error = env.errors[blockId];
  const describedBy = [hint && ids.hint, error && ids.error].filter(Boolean).join(" ") || undefined;
  const label = textOf(block.label);
  const labelText = label ? renderPlainText(label) : "";
  const isGroup = GROUP_ELEMENTS.has(str(element?.type) ?? "");
  return (
    <div class={classes("bk-input", error !== undefined && "bk-input-invalid")}>
      <div class="bk-input-label-row">
        {isGroup ? (
          <span id={ids.label} class="bk-input-label">
            {labelText}
          </span>
        ) : (
          <label id={ids.label} for={ids.control} class="bk-input-label">
            {labelText}
          </label>
        )}
        {block.optional === true && <span class="bk-optional">(optional)</span>}
      </div>
      {element ? (
        <Element
          element={element}
          env={env}
          id={ids.control}
          labelledBy={ids.label}
          describedBy={describedBy}
          invalid={error !== undefined}
          place={{ blockType: "input", blockId, actionId: actionIdOf(element, 0), dispatchAction: block.dispatch_action === true }}
        />
      ) : (
        <Unsupported what="element" type={undefined} />
      )}
      {hint && (
        <div id={ids.hint} class="bk-hint">
          <TextObject text={hint} ctx={env.ctx} />
        </div>
      )}
      {error !== undefined && (
        <div id={ids.error} class="bk-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

export interface ElementProps {
  element: Json;
  env: Env;
  place: ElementPlace;
  /** The control's DOM id (for <label for>). */
  id: string;
  /** The input block's label; elements elsewhere name themselves (text, placeholder). */
  labelledBy?: string;
  describedBy?: string;
  invalid?: boolean;
}

interface ControlProps extends ElementProps {
  value: ElementValue | undefined;
  /** Record the element's new value and send the action Slack would send. */
  change(next: ElementValue): void;
  /** The accessible name when there is no label: the placeholder, else a default. */
  ariaLabel: string | undefined;
}

/** Any element: works out its value and what a change does, then draws it. */
export function Element(props: ElementProps): VNode {
  const { element, env, place } = props;
  const type = str(element.type) ?? "";
  const placeholder = textString(textOf(element.placeholder));
  const control: ControlProps = {
    ...props,
    value: currentValue(env.values, place.blockId, place.actionId, element),
    change: (next) => {
      const result = interact(place, next, env.values);
      if (result.values) env.update(result.values);
      if (result.action) env.ctx.onAction(result.action);
    },
    ariaLabel: props.labelledBy ? undefined : placeholder || DEFAULT_NAMES[type],
  };
  switch (type) {
    case "button":
      return <ButtonElement {...control} />;
    case "overflow":
      return <OverflowElement {...control} />;
    case "static_select":
      return <StaticSelect {...control} />;
    case "external_select":
      return <ExternalSelect {...control} />;
    case "users_select":
      return <UsersSelect {...control} />;
    case "datepicker":
      return <DatePicker {...control} />;
    case "radio_buttons":
      return <RadioButtons {...control} />;
    case "checkboxes":
      return <Checkboxes {...control} />;
    case "plain_text_input":
      return <PlainTextInput {...control} />;
    case "image":
      return <ImageElement element={element} className="bk-accessory-image" />;
    default:
      return <Unsupported what="element" type={element.type} />;
  }
}

const DEFAULT_NAMES: Record<string, string> = {
  static_select: "Select an option",
  external_select: "Search for an option",
  users_select: "Select a person",
  datepicker: "Select a date",
  radio_buttons: "Choose one",
  checkboxes: "Choose any",
  plain_text_input: "Text",
};

function ButtonElement(props: ControlProps): VNode {
  const { element } = props;
  const [confirming, setConfirming] = useState(false);
  const text = textOf(element.text);
  const url = safeUrl(str(element.url));
  const confirm = isObj(element.confirm) ? element.confirm : undefined;
  const style = element.style === "primary" || element.style === "danger" ? element.style : undefined;
  const className = classes("bk-button", style && `bk-button-${style}`);
  const label = str(element.accessibility_label);
  const fire = (): void => props.change({ type: "button", value: str(element.value) ?? null });
  const content = text ? renderPlainText(text) : "";
  return (
    <>
      {url && !confirm ? (
        <a class={className} href={url} target="_blank" rel="noopener noreferrer" aria-label={label} onClick={fire}>
          {content}
        </a>
      ) : (
        <button
          type="button"
          id={props.id}
          class={className}
          aria-label={label}
          aria-describedby={props.describedBy}
          aria-haspopup={confirm ? "dialog" : undefined}
          onClick={() => (confirm ? setConfirming(true) : fire())}
        >
          {content}
        </button>
      )}
      {confirming && confirm && (
        <ConfirmDialog
          confirm={confirm}
          ctx={props.env.ctx}
          idBase={`${props.id}-confirm`}
          href={url}
          onConfirm={() => {
            setConfirming(false);
            fire();
          }}
          onDeny={() => setConfirming(false)}
        />
      )}
    </>
  );
}

export interface ConfirmDialogProps {
  /** Slack's confirmation dialog object: title, text, confirm, deny, style. */
  confirm: Json;
  ctx: MentionLookup;
  idBase: string;
  /** For url buttons: confirming opens this address in a new tab. */
  href?: string | undefined;
  onConfirm(): void;
  onDeny(): void;
}

/** Slack's "Are you sure?" dialog: a modal <dialog>; the action happens only on confirm. */
export function ConfirmDialog(props: ConfirmDialogProps): VNode {
  const { confirm } = props;
  const titleId = `${props.idBase}-title`;
  const textId = `${props.idBase}-text`;
  const yes = textString(textOf(confirm.confirm)) || "Yes";
  const no = textString(textOf(confirm.deny)) || "Cancel";
  const confirmClass = classes("bk-button", confirm.style === "danger" ? "bk-button-danger" : "bk-button-primary");
  return (
    <dialog
      class="bk-dialog"
      aria-labelledby={titleId}
      aria-describedby={textId}
      aria-modal="true"
      ref={(el) => {
        if (!el || el.open || typeof el.showModal !== "function") return;
        const show = (): void => {
          if (el.isConnected && !el.open) el.showModal();
        };
        if (el.isConnected) show();
        else queueMicrotask(show);
      }}
      onCancel={(e) => {
        e.preventDefault();
        props.onDeny();
      }}
    >
      <h2 id={titleId} class="bk-dialog-title">
        {textString(textOf(confirm.title)) || "Are you sure?"}
      </h2>
      <div id={textId} class="bk-dialog-text">
        <TextObject text={textOf(confirm.text)} ctx={props.ctx} />
      </div>
      <div class="bk-dialog-actions">
        <button type="button" class="bk-button" onClick={props.onDeny}>
          {no}
        </button>
        {props.href ? (
          <a class={confirmClass} href={props.href} target="_blank" rel="noopener noreferrer" autoFocus onClick={props.onConfirm}>
            {yes}
          </a>
        ) : (
          <button type="button" class={confirmClass} autoFocus onClick={props.onConfirm}>
            {yes}
          </button>
        )}
      </div>
    </dialog>
  );
}

function OverflowElement(props: ControlProps): VNode {
  const { element, id } = props;
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState<SlackOption | null>(null);
  /** Set when the menu opens: its first item takes the focus once. */
  const focusFirst = useRef(false);
  const confirm = isObj(element.confirm) ? element.confirm : undefined;
  const items = objs(element.options).flatMap((raw) => {
    const option = optionOf(raw);
    return option ? [{ option, url: safeUrl(str(raw.url)) }] : [];
  });
  const fire = (option: SlackOption): void => props.change({ type: "overflow", selected_option: option });
  const choose = (option: SlackOption): void => {
    setOpen(false);
    if (confirm) setPending(option);
    else fire(option);
  };
  const menuId = `${id}-menu`;
  const itemId = (i: number): string => `${id}-item-${i}`;
  const onItemKey = (e: { key: string; preventDefault(): void; currentTarget: { ownerDocument: { getElementById(id: string): { focus(): void } | null } } }, i: number): void => {
    const to = e.key === "ArrowDown" ? (i + 1) % items.length : e.key === "ArrowUp" ? (i - 1 + items.length) % items.length : -1;
    if (e.key === "Escape") setOpen(false);
    if (to < 0) return;
    e.preventDefault();
    e.currentTarget.ownerDocument.getElementById(itemId(to))?.focus();
  };
  return (
    <span class="bk-overflow">
      <button
        type="button"
        id={id}
        class="bk-button bk-overflow-button"
        aria-label={props.labelledBy ? undefined : "More actions"}
        aria-labelledby={props.labelledBy}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => {
          focusFirst.current = !open;
          setOpen(!open);
        }}
        onKeyDown={(e) => {
          if (e.key === "Escape") setOpen(false);
        }}
      >
        ⋮
      </button>
      {open && (
        <div role="menu" id={menuId} class="bk-menu" aria-label="More actions">
          {items.map(({ option, url }, i) =>
            url ? (
              <a
                key={i}
                id={itemId(i)}
                role="menuitem"
                class="bk-menu-item"
                href={url}
                target="_blank"
                rel="noopener noreferrer"
                onClick={() => choose(option)}
                onKeyDown={(e) => onItemKey(e, i)}
              >
                {textString(option.text)}
              </a>
            ) : (
              <button
                key={i}
                type="button"
                id={itemId(i)}
                role="menuitem"
                class="bk-menu-item"
                ref={(el) => {
                  if (el && i === 0 && focusFirst.current) {
                    focusFirst.current = false;
                    el.focus();
                  }
                }}
                onClick={() => choose(option)}
                onKeyDown={(e) => onItemKey(e, i)}
              >
                {textString(option.text)}
              </button>
            ),
          )}
        </div>
      )}
      {pending && confirm && (
        <ConfirmDialog
          confirm={confirm}
          ctx={props.env.ctx}
          idBase={`${id}-confirm`}
          onConfirm={() => {
            setPending(null);
            fire(pending);
          }}
          onDeny={() => setPending(null)}
        />
      )}
    </span>
  );
}

function controlAria(props: ControlProps): Record<string, string | boolean | undefined> {
  return {
    "aria-labelledby": props.labelledBy,
    "aria-label": props.ariaLabel,
    "aria-describedby": props.describedBy,
    "aria-invalid": props.invalid ? "true" : undefined,
  };
}

function SelectOptions(props: { options: SlackOption[] }): VNode {
  return (
    <>
      {props.options.map((o) => (
        <option key={o.value} value={o.value}>
          {textString(o.text)}
        </option>
      ))}
    </>
  );
}

function StaticSelect(props: ControlProps): VNode {
  const { element } = props;
  const options = optionList(element.options);
  const groups = optionGroupsOf(element);
  const every = allOptions(element);
  const selected = props.value?.selected_option ?? null;
  return (
    <select
      id={props.id}
      class="bk-select"
      {...controlAria(props)}
      value={selected?.value ?? ""}
      onChange={(e) => {
        const option = findOption(every, e.currentTarget.value);
        if (option) props.change({ type: "static_select", selected_option: option });
      }}
    >
      <option value="" disabled>
        {textString(textOf(element.placeholder)) || "Select an option"}
      </option>
      <SelectOptions options={options} />
      {groups.map((g, i) => (
        <optgroup key={i} label={textString(g.label)}>
          <SelectOptions options={g.options} />
        </optgroup>
      ))}
    </select>
  );
}

function UsersSelect(props: ControlProps): VNode {
  const { env } = props;
  const selected = props.value?.selected_user ?? null;
  const people = env.ctx.users?.() ?? [];
  const listed = selected && !people.some((p) => p.id === selected) ? [{ id: selected, name: env.ctx.userName(selected) || selected }, ...people] : people;
  return (
    <select
      id={props.id}
      class="bk-select"
      {...controlAria(props)}
      value={selected ?? ""}
      onChange={(e) => {
        const user = e.currentTarget.value;
        if (user) props.change({ type: "users_select", selected_user: user });
      }}
    >
      <option value="" disabled>
        {textString(textOf(props.element.placeholder)) || "Select a person"}
      </option>
      {listed.map((p) => (
        <option key={p.id} value={p.id}>
          {p.name}
        </option>
      ))}
    </select>
  );
}

function DatePicker(props: ControlProps): VNode {
  return (
    <input
      type="date"
      id={props.id}
      class="bk-date"
      {...controlAria(props)}
      value={props.value?.selected_date ?? ""}
      onChange={(e) => props.change({ type: "datepicker", selected_date: e.currentTarget.value || null })}
    />
  );
}

function OptionDescription(props: { option: SlackOption; id: string; ctx: MentionLookup }): VNode | null {
  if (!props.option.description) return null;
  return (
    <div id={props.id} class="bk-choice-description">
      <TextObject text={props.option.description} ctx={props.ctx} />
    </div>
  );
}

function RadioButtons(props: ControlProps): VNode {
  const options = optionList(props.element.options);
  const selected = props.value?.selected_option?.value;
  return (
    <div role="radiogroup" id={props.id} class="bk-choices" {...controlAria(props)}>
      {options.map((option, i) => {
        const optionId = `${props.id}-o${i}`;
        return (
          <div key={option.value} class="bk-choice">
            <input
              type="radio"
              id={optionId}
              name={props.id}
              value={option.value}
              checked={option.value === selected}
              aria-describedby={option.description ? `${optionId}-d` : undefined}
              onChange={() => props.change({ type: "radio_buttons", selected_option: option })}
            />
            <label for={optionId}>
              <TextObject text={option.text} ctx={props.env.ctx} />
            </label>
            <OptionDescription option={option} id={`${optionId}-d`} ctx={props.env.ctx} />
          </div>
        );
      })}
    </div>
  );
}

function Checkboxes(props: ControlProps): VNode {
  const options = optionList(props.element.options);
  const selected = props.value?.selected_options ?? [];
  const chosen = new Set(selected.map((o) => o.value));
  return (
    <div role="group" id={props.id} class="bk-choices" {...controlAria(props)}>
      {options.map((option, i) => {
        const optionId = `${props.id}-o${i}`;
        return (
          <div key={option.value} class="bk-choice">
            <input
              type="checkbox"
              id={optionId}
              value={option.value}
              checked={chosen.has(option.value)}
              aria-describedby={option.description ? `${optionId}-d` : undefined}
              onChange={(e) =>
                props.change({ type: "checkboxes", selected_options: toggleOption(options, selected, option, e.currentTarget.checked) })
              }
            />
            <label for={optionId}>
              <TextObject text={option.text} ctx={props.env.ctx} />
            </label>
            <OptionDescription option={option} id={`${optionId}-d`} ctx={props.env.ctx} />
          </div>
        );
      })}
    </div>
  );
}

function PlainTextInput(props: ControlProps): VNode {
  const { element, env, place } = props;
  const triggers = Array.isArray(isObj(element.dispatch_action_config) ? element.dispatch_action_config.trigger_actions_on : undefined)
    ? ((element.dispatch_action_config as Json).trigger_actions_on as unknown[])
    : ["on_enter_pressed"];
  const dispatching = place.blockType !== "input" || place.dispatchAction;
  const onText = (text: string): void => {
    const next: ElementValue = { type: "plain_text_input", value: text || null };
    if (dispatching && triggers.includes("on_character_entered")) props.change(next);
    else env.update(withValue(env.values, place.blockId, place.actionId, next));
  };
  const onEnter = (): void => {
    if (!dispatching || !triggers.includes("on_enter_pressed")) return;
    const current = props.value ?? { type: "plain_text_input", value: null };
    env.ctx.onAction(blockAction(place.blockId, place.actionId, current));
  };
  const maxLength = typeof element.max_length === "number" ? element.max_length : undefined;
  const minLength = typeof element.min_length === "number" ? element.min_length : undefined;
  const placeholder = textString(textOf(element.placeholder)) || undefined;
  const value = props.value?.value ?? "";
  if (element.multiline === true) {
    return (
      <textarea
        id={props.id}
        class="bk-text bk-textarea"
        rows={4}
        {...controlAria(props)}
        value={value}
        placeholder={placeholder}
        maxLength={maxLength}
        minLength={minLength}
        onInput={(e) => onText(e.currentTarget.value)}
      />
    );
  }
  return (
    <input
      type="text"
      id={props.id}
      class="bk-text"
      {...controlAria(props)}
      value={value}
      placeholder={placeholder}
      maxLength={maxLength}
      minLength={minLength}
      onInput={(e) => onText(e.currentTarget.value)}
      onKeyDown={(e) => {
        if (e.key === "Enter") onEnter();
      }}
    />
  );
}

/** external_select: a combobox that asks `ctx.suggest` once the query is long enough. */
function ExternalSelect(props: ControlProps): VNode {
  const { element, env, place, id } = props;
  const minLength = typeof element.min_query_length === "number" ? element.min_query_length : 3;
  const [query, setQuery] = useState<string | null>(null);
  const [options, setOptions] = useState<SlackOption[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [status, setStatus] = useState("");
  const request = useRef(0);
  const selected = props.value?.selected_option ?? null;
  const listId = `${id}-list`;
  const optionId = (i: number): string => `${id}-opt-${i}`;

  const close = (): void => {
    request.current += 1;
    setOpen(false);
    setOptions([]);
    setActive(-1);
  };
  const search = (q: string): void => {
    const n = ++request.current;
    if (q.length < minLength) {
      setOpen(false);
      setOptions([]);
      setActive(-1);
      setStatus(q ? `Type at least ${minLength} character${minLength === 1 ? "" : "s"}` : "");
      return;
    }
    if (!env.ctx.suggest) {
      setStatus("No suggestions available");
      return;
    }
    setStatus("Searching…");
    env.ctx.suggest(place.actionId, place.blockId, q).then(
      (found) => {
        if (n !== request.current) return;
        setOptions(found);
        setOpen(true);
        setActive(found.length > 0 ? 0 : -1);
        setStatus(found.length > 0 ? `${found.length} option${found.length === 1 ? "" : "s"}` : "No matches");
      },
      () => {
        if (n === request.current) setStatus("Could not load options");
      },
    );
  };
  const choose = (option: SlackOption): void => {
    close();
    setQuery(null);
    setStatus("");
    props.change({ type: "external_select", selected_option: option });
  };

  return (
    <div class="bk-combo">
      <input
        type="text"
        id={id}
        role="combobox"
        class="bk-combo-input"
        autocomplete="off"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && active >= 0 ? optionId(active) : undefined}
        {...controlAria(props)}
        placeholder={textString(textOf(element.placeholder)) || undefined}
        value={query ?? textString(selected?.text)}
        onInput={(e) => {
          const q = e.currentTarget.value;
          setQuery(q);
          search(q);
        }}
        onFocus={() => {
          if (minLength === 0 && !open) search(query ?? "");
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            if (!open || options.length === 0) {
              if (minLength === 0 || (query ?? "").length >= minLength) search(query ?? "");
              return;
            }
            const step = e.key === "ArrowDown" ? 1 : -1;
            setActive((active + step + options.length) % options.length);
          } else if (e.key === "Enter") {
            const option = open ? options[active] : undefined;
            if (option) {
              e.preventDefault();
              choose(option);
            }
          } else if (e.key === "Escape") {
            if (open) e.preventDefault();
            close();
            setQuery(null);
          }
        }}
        onBlur={() => {
          if (query === "" && selected && place.blockType === "input") {
            env.update(withValue(env.values, place.blockId, place.actionId, { type: "external_select", selected_option: null }));
          }
          close();
          setQuery(null);
          setStatus("");
        }}
      />
      {/* Named apart from the field, so that a lookup by the field's label finds the combobox only. */}
      <ul role="listbox" id={listId} class="bk-combo-list" aria-label="Suggestions" hidden={!open}>
        {open &&
          options.map((option, i) => (
            <li
              key={`${i}:${option.value}`}
              id={optionId(i)}
              role="option"
              class={classes("bk-combo-option", i === active && "bk-combo-option-active")}
              aria-selected={i === active}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(option)}
            >
              {textString(option.text)}
              {option.description && <span class="bk-combo-description">{textString(option.description)}</span>}
            </li>
          ))}
      </ul>
      <div class="bk-combo-status" aria-live="polite">
        {status}
      </div>
    </div>
  );
}
