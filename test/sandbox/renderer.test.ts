import { describe, expect, it } from "vitest";
import { h, options, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import type { BlockAction, SlackOption, ViewStateValues } from "../../src/sandbox/protocol.ts";
import { Blocks, ConfirmDialog, initialValues, type RenderContext } from "../../src/sandbox/web/blocks.tsx";
import { Mrkdwn, TextObject } from "../../src/sandbox/web/mrkdwn.tsx";
import { interact, toggleOption } from "../../src/sandbox/web/block-state.ts";

type Json = Record<string, unknown>;

const people: Record<string, string> = { U1: "Ana", U2: "Bruno" };

function makeCtx(actions: BlockAction[] = []): RenderContext {
  return {
    userName: (id) => people[id] ?? id,
    usergroupHandle: (id) => (id === "S1" ? "managers" : undefined),
    channelName: (id) => (id === "C1" ? "requests" : undefined),
    onAction: (action) => actions.push(action),
    users: () => Object.entries(people).map(([id, name]) => ({ id, name })),
  };
}

const plain = (text: string): Json => ({ type: "plain_text", text });
const md = (text: string): Json => ({ type: "mrkdwn", text });
const opt = (text: string, value: string): SlackOption => ({ text: { type: "plain_text", text }, value });
const input = (element: Json, extra: Json = {}): Json => ({ type: "input", block_id: "b", label: plain("Field"), element: { action_id: "a", ...element }, ...extra });
const actions = (...elements: Json[]): Json => ({ type: "actions", block_id: "acts", elements });

interface Rendered {
  html: string;
  /** The DOM elements' vnodes as rendered, to call their handlers as a click or a change would. */
  nodes: VNode<Json>[];
}

/** Renders to HTML, keeping the vnodes of DOM elements so that tests can fire their handlers. */
function render(blocks: Json[], opts: { surface?: "message" | "modal" | "home"; values?: ViewStateValues; errors?: Record<string, string>; onValues?: (v: ViewStateValues) => void; ctx?: RenderContext } = {}): Rendered {
  const nodes: VNode<Json>[] = [];
  const previous = options.vnode;
  options.vnode = (vnode) => {
    if (typeof vnode.type === "string") nodes.push(vnode as VNode<Json>);
    previous?.(vnode);
  };
  try {
    const props = {
      blocks,
      ctx: opts.ctx ?? makeCtx(),
      surface: opts.surface ?? "modal",
      ...(opts.values ? { values: opts.values } : {}),
      ...(opts.errors ? { errors: opts.errors } : {}),
      ...(opts.onValues ? { onValues: opts.onValues } : {}),
    };
    return { html: renderToString(h(Blocks, props)), nodes };
  } finally {
    options.vnode = previous;
  }
}

/** What a person reads: the text without tags, entities decoded. */
function visible(html: string): string {
  return html
    .replace(/<br\s*\/?>/g, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The opening tag of the control a visible label names (through <label for> or aria-labelledby). */
function labelled(html: string, label: string): string | undefined {
  const found = new RegExp(`<(label|span)[^>]*\\bid="([^"]+)"[^>]*>${escapeRe(label)}</\\1>`).exec(html);
  if (!found) return undefined;
  const labelTag = found[0];
  const labelId = found[2]!;
  const forId = /\bfor="([^"]+)"/.exec(labelTag)?.[1];
  const byFor = forId ? new RegExp(`<[a-z]+[^>]*\\bid="${escapeRe(forId)}"[^>]*>`).exec(html)?.[0] : undefined;
  const byAria = new RegExp(`<[a-z]+[^>]*\\baria-labelledby="${escapeRe(labelId)}"[^>]*>`).exec(html)?.[0];
  return byFor ?? byAria;
}

function findNode(nodes: VNode<Json>[], test: (props: Json, type: string) => boolean): VNode<Json> {
  const node = nodes.find((n) => test(n.props, n.type as string));
  if (!node) throw new Error("no such element rendered");
  return node;
}

function call(node: VNode<Json>, handler: string, event: unknown = {}): void {
  const fn = node.props[handler];
  if (typeof fn !== "function") throw new Error(`${String(node.type)} has no ${handler}`);
  (fn as (e: unknown) => void)(event);
}

// --- mrkdwn ---------------------------------------------------------------

const mrkdwnCases: Array<{ name: string; text: string; html: string }> = [
  { name: "bold", text: "a *bold* word", html: "a <strong>bold</strong> word" },
  { name: "italic", text: "_italic_", html: "<em>italic</em>" },
  { name: "strike", text: "~gone~", html: "<del>gone</del>" },
  { name: "nested bold italic", text: "*bold _and italic_*", html: "<strong>bold <em>and italic</em></strong>" },
  { name: "markers inside words stay", text: "snake_case_name and 2*3*4", html: "snake_case_name and 2*3*4" },
  { name: "inline code", text: "run `npm *start*`", html: 'run <code class="bk-code">npm *start*</code>' },
  { name: "preformatted block", text: "before\n```\nline 1\n*not bold*\n```\nafter", html: 'before<pre class="bk-pre">line 1\n*not bold*</pre>after' },
  { name: "quote", text: "&gt; quoted *text*\nplain", html: '<blockquote class="bk-quote">quoted <strong>text</strong></blockquote>plain' },
  { name: "link with label", text: "see <https://example.com/a?b=1&amp;c=2|the docs>", html: 'see <a class="bk-link" href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the docs</a>' },
  { name: "bare link", text: "<https://example.com>", html: '<a class="bk-link" href="https://example.com" target="_blank" rel="noopener noreferrer">https://example.com</a>' },
  { name: "mailto link", text: "<mailto:a@b.co|write to us>", html: '<a class="bk-link" href="mailto:a@b.co" target="_blank" rel="noopener noreferrer">write to us</a>' },
  { name: "known user", text: "by <@U1>", html: 'by <span class="bk-mention">@Ana</span>' },
  { name: "unknown user", text: "<@U999>", html: '<span class="bk-mention">@U999</span>' },
  { name: "channel", text: "<#C1>", html: '<span class="bk-mention bk-channel-mention">#requests</span>' },
  { name: "channel with name", text: "<#C9|general>", html: '<span class="bk-mention bk-channel-mention">#general</span>' },
  { name: "user group", text: "<!subteam^S1>", html: '<span class="bk-mention">@managers</span>' },
  { name: "user group with handle", text: "<!subteam^S9|@finance>", html: '<span class="bk-mention">@finance</span>' },
  { name: "here", text: "<!here> look", html: '<span class="bk-mention bk-broadcast">@here</span> look' },
  { name: "channel broadcast", text: "<!channel>", html: '<span class="bk-mention bk-broadcast">@channel</span>' },
  { name: "emoji", text: ":white_check_mark: done :no_such_emoji:", html: "✅ done :no_such_emoji:" },
  { name: "line breaks", text: "one\ntwo", html: "one<br/>two" },
  { name: "Slack escapes", text: "Tom &amp; Jerry &lt;3 &gt; 2", html: "Tom &amp; Jerry &lt;3 > 2" },
  { name: "escaped script is text", text: "&lt;script&gt;alert(1)&lt;/script&gt;", html: "&lt;script>alert(1)&lt;/script>" },
  { name: "raw script tag is no element", text: "<script>alert(1)</script>", html: "&lt;script>alert(1)&lt;/script>" },
  { name: "unsafe link scheme is text", text: "<javascript:alert(1)|click me>", html: "click me" },
];

describe("mrkdwn", () => {
  const ctx = makeCtx();
  it.each(mrkdwnCases)("$name", ({ text, html }) => {
    expect(renderToString(h(Mrkdwn, { text, ctx }))).toBe(html);
  });

  it("never produces a script element or an event attribute", () => {
    const html = renderToString(h(Mrkdwn, { text: '<script>x</script> <https://a.b|<img src=x onerror=alert(1)>> &lt;img onerror="x"&gt;', ctx }));
    expect(html).not.toMatch(/<(?:script|img)|<[a-z][^>]*\sonerror=/i);
    expect(visible(html)).toContain("<script>x</script>");
  });

  it.each([
    { name: "plain_text replaces shortcodes", text: { type: "plain_text" as const, text: ":warning: *Not* bold", emoji: true }, html: "⚠️ *Not* bold" },
    { name: "plain_text with emoji: false keeps them", text: { type: "plain_text" as const, text: ":warning:", emoji: false }, html: ":warning:" },
    { name: "plain_text is escaped", text: { type: "plain_text" as const, text: "<b>hi</b>\nthere" }, html: "&lt;b>hi&lt;/b><br/>there" },
  ])("$name", ({ text, html }) => {
    expect(renderToString(h(TextObject, { text, ctx }))).toBe(html);
  });
});

// --- blocks ---------------------------------------------------------------

const blockCases: Array<{ name: string; blocks: Json[]; surface?: "message" | "modal" | "home"; check(html: string): void }> = [
  {
    name: "section with mrkdwn text",
    blocks: [{ type: "section", text: md("*Acme* asks to leave") }],
    check: (html) => {
      expect(html).toContain('<div class="bk-section-text"><strong>Acme</strong> asks to leave</div>');
    },
  },
  {
    name: "section with fields in two columns",
    blocks: [{ type: "section", fields: [md("*Client*\nAcme"), md("*Owner*\n<@U1>")] }],
    check: (html) => {
      expect(html).toContain('class="bk-fields"');
      expect(html.match(/class="bk-field"/g)).toHaveLength(2);
      expect(visible(html)).toContain("Client\nAcme");
      expect(visible(html)).toContain("Owner\n@Ana");
    },
  },
  {
    name: "section with a button accessory",
    blocks: [{ type: "section", text: md("Check"), accessory: { type: "button", action_id: "done", text: plain("Mark done"), value: "1" } }],
    check: (html) => {
      expect(html).toMatch(/<div class="bk-accessory"><button type="button"[^>]*>Mark done<\/button>/);
    },
  },
  {
    name: "context with image and texts",
    blocks: [{ type: "context", elements: [{ type: "image", image_url: "https://x.test/a.png", alt_text: "avatar" }, md("Opened by <@U2>"), plain("today")] }],
    check: (html) => {
      expect(html).toContain('<img class="bk-context-image" src="https://x.test/a.png" alt="avatar"');
      expect(visible(html)).toBe("Opened by @Brunotoday");
      expect(html.match(/class="bk-context-text"/g)).toHaveLength(2);
    },
  },
  {
    name: "header",
    blocks: [{ type: "header", text: plain("Deactivation :lock:") }],
    check: (html) => {
      expect(html).toContain('<h3 class="bk-header">Deactivation 🔒</h3>');
    },
  },
  {
    name: "divider",
    blocks: [{ type: "divider" }],
    check: (html) => {
      expect(html).toContain('<hr class="bk-divider"/>');
    },
  },
  {
    name: "actions with a button and a select named by its placeholder",
    blocks: [actions({ type: "button", action_id: "go", text: plain("Approve") }, { type: "static_select", action_id: "pick", placeholder: plain("Choose a step"), options: [opt("Email", "e")] })],
    check: (html) => {
      expect(html).toMatch(/<div class="bk-actions"><button[^>]*>Approve<\/button><select[^>]*aria-label="Choose a step"/);
    },
  },
  {
    name: "input with label, optional mark, hint and error",
    blocks: [input({ type: "plain_text_input" }, { label: plain("Reason"), optional: true, hint: plain("Why the client leaves") })],
    check: (html) => {
      const control = labelled(html, "Reason");
      expect(control).toMatch(/^<input type="text"/);
      expect(visible(html)).toContain("(optional)");
      const described = /aria-describedby="([^"]+)"/.exec(control!)?.[1];
      expect(html).toContain(`id="${described}" class="bk-hint">Why the client leaves</div>`);
      expect(control).not.toContain("aria-invalid");
    },
  },
  {
    name: "image block with title and alt text",
    blocks: [{ type: "image", title: plain("Chart"), image_url: "https://x.test/c.png", alt_text: "dunning chart" }],
    check: (html) => {
      expect(html).toContain('<figcaption class="bk-image-title">Chart</figcaption>');
      expect(html).toContain('alt="dunning chart"');
    },
  },
  {
    name: "unknown block type",
    blocks: [{ type: "rich_text", elements: [] }, { type: "divider" }],
    check: (html) => {
      expect(visible(html)).toContain("unsupported block: rich_text");
      expect(html).toContain('role="note"');
      expect(html).toContain("bk-divider");
    },
  },
  {
    name: "garbage does not crash",
    blocks: [{ type: "section", text: 5, fields: "x", accessory: { type: "rocket" } }, { nothing: true }],
    check: (html) => {
      expect(visible(html)).toContain("unsupported element: rocket");
      expect(visible(html)).toContain("unsupported block: (none)");
    },
  },
];

describe("blocks", () => {
  it.each(blockCases)("$name", ({ blocks, surface, check }) => {
    check(render(blocks, surface ? { surface } : {}).html);
  });

  it("shows an inline error as an alert tied to the control", () => {
    const { html } = render([input({ type: "plain_text_input" }, { block_id: "reason", label: plain("Reason") })], { errors: { reason: "Too short" } });
    const control = labelled(html, "Reason")!;
    expect(control).toContain('aria-invalid="true"');
    const errorId = /aria-describedby="([^"]+)"/.exec(control)?.[1];
    expect(html).toContain(`<div id="${errorId}" class="bk-error" role="alert">Too short</div>`);
  });
});

// --- elements -------------------------------------------------------------

const groups = [{ label: plain("Voluntary"), options: [opt("Request", "req")] }, { label: plain("Non-payment"), options: [opt("Debt", "debt")] }];

const elementCases: Array<{ name: string; blocks: Json[]; check(html: string): void }> = [
  {
    name: "button, primary",
    blocks: [actions({ type: "button", action_id: "ok", text: plain("Approve"), style: "primary", value: "r1" })],
    check: (html) => expect(html).toMatch(/<button type="button"[^>]*class="bk-button bk-button-primary"[^>]*>Approve<\/button>/),
  },
  {
    name: "button, danger",
    blocks: [actions({ type: "button", action_id: "no", text: plain("Reject"), style: "danger" })],
    check: (html) => expect(html).toMatch(/class="bk-button bk-button-danger"[^>]*>Reject</),
  },
  {
    name: "button with url opens a new tab",
    blocks: [actions({ type: "button", action_id: "doc", text: plain("Policy"), url: "https://x.test/policy" })],
    check: (html) => expect(html).toContain('<a class="bk-button" href="https://x.test/policy" target="_blank" rel="noopener noreferrer">Policy</a>'),
  },
  {
    name: "button with confirm announces a dialog and shows none yet",
    blocks: [actions({ type: "button", action_id: "exec", text: plain("Execute"), confirm: { title: plain("Sure?"), text: plain("No undo"), confirm: plain("Run"), deny: plain("Back") } })],
    check: (html) => {
      expect(html).toMatch(/<button[^>]*aria-haspopup="dialog"[^>]*>Execute<\/button>/);
      expect(html).not.toContain("<dialog");
    },
  },
  {
    name: "overflow menu button",
    blocks: [actions({ type: "overflow", action_id: "more", options: [opt("Snooze", "s"), opt("Reassign", "r")] })],
    check: (html) => {
      expect(html).toMatch(/<button[^>]*aria-label="More actions"[^>]*aria-haspopup="menu"[^>]*aria-expanded="false"/);
      expect(html).not.toContain('role="menu"');
    },
  },
  {
    name: "static_select with options, groups and initial option",
    blocks: [input({ type: "static_select", placeholder: plain("Pick a kind"), options: [opt("Other", "other")], option_groups: groups, initial_option: opt("Debt", "debt") }, { label: plain("Kind") })],
    check: (html) => {
      expect(labelled(html, "Kind")).toMatch(/^<select/);
      expect(html).toContain('<option value disabled>Pick a kind</option>');
      expect(html).toContain('<optgroup label="Non-payment"><option selected value="debt">Debt</option></optgroup>');
      expect(html).toContain('<option value="other">Other</option>');
    },
  },
  {
    name: "external_select is a labelled combobox showing its initial option",
    blocks: [input({ type: "external_select", min_query_length: 1, initial_option: opt("Acme Ltd", "c1"), placeholder: plain("Search clients") }, { label: plain("Client") })],
    check: (html) => {
      const control = labelled(html, "Client")!;
      expect(control).toContain('role="combobox"');
      expect(control).toContain('value="Acme Ltd"');
      expect(control).toContain('aria-expanded="false"');
      const list = /aria-controls="([^"]+)"/.exec(control)?.[1];
      expect(html).toMatch(new RegExp(`<ul role="listbox" id="${escapeRe(list!)}"[^>]*aria-label="Suggestions" hidden`));
      expect(html.match(/aria-labelledby="[^"]+"/g)).toHaveLength(1);
    },
  },
  {
    name: "users_select lists people with the initial one selected",
    blocks: [input({ type: "users_select", initial_user: "U2" }, { label: plain("New owner") })],
    check: (html) => {
      expect(labelled(html, "New owner")).toMatch(/^<select/);
      expect(html).toContain('<option value="U1">Ana</option><option selected value="U2">Bruno</option>');
    },
  },
  {
    name: "datepicker with initial date",
    blocks: [input({ type: "datepicker", initial_date: "2025-03-09" }, { label: plain("Requested on") })],
    check: (html) => expect(labelled(html, "Requested on")).toMatch(/^<input type="date"[^>]*value="2025-03-09"/),
  },
  {
    name: "radio_buttons with initial option checked",
    blocks: [input({ type: "radio_buttons", options: [opt("Email", "e"), opt("Phone", "p")], initial_option: opt("Phone", "p") }, { label: plain("Channel") })],
    check: (html) => {
      expect(labelled(html, "Channel")).toMatch(/^<div role="radiogroup"/);
      expect(html).toMatch(/<input type="radio" id="([^"]+)"[^>]*value="e"[^>]*\/><label for="\1">Email<\/label>/);
      expect(html).toMatch(/<input type="radio"[^>]*value="p" checked/);
      expect(html).not.toMatch(/value="e" checked/);
    },
  },
  {
    name: "checkboxes with initial options checked",
    blocks: [input({ type: "checkboxes", options: [opt("Third party", "tp"), { ...opt("Hosted DB", "db"), description: plain("We keep a backup") }], initial_options: [opt("Hosted DB", "db")] }, { label: plain("Facts") })],
    check: (html) => {
      expect(labelled(html, "Facts")).toMatch(/^<div role="group"/);
      expect(html).toMatch(/<input type="checkbox" id="([^"]+)" value="tp"\/><label for="\1">Third party<\/label>/);
      expect(html).toMatch(/<input type="checkbox"[^>]*value="db" checked[^>]*aria-describedby="([^"]+)"[^>]*\/>.*id="\1" class="bk-choice-description">We keep a backup/);
    },
  },
  {
    name: "plain_text_input, single line",
    blocks: [input({ type: "plain_text_input", initial_value: "hello", max_length: 200, placeholder: plain("Say why") }, { label: plain("Reason") })],
    check: (html) => {
      const control = labelled(html, "Reason")!;
      expect(control).toMatch(/^<input type="text"/);
      expect(control).toContain('value="hello"');
      expect(control).toContain('placeholder="Say why"');
      expect(control).toMatch(/maxlength="200"/i);
    },
  },
  {
    name: "plain_text_input, multiline",
    blocks: [input({ type: "plain_text_input", multiline: true, initial_value: "line 1\nline 2" }, { label: plain("Notes") })],
    check: (html) => {
      expect(labelled(html, "Notes")).toMatch(/^<textarea/);
      expect(html).toContain(">line 1\nline 2</textarea>");
    },
  },
  {
    name: "image element as an accessory",
    blocks: [{ type: "section", text: md("Logo"), accessory: { type: "image", image_url: "https://x.test/l.png", alt_text: "Acme logo" } }],
    check: (html) => expect(html).toContain('<img class="bk-accessory-image" src="https://x.test/l.png" alt="Acme logo"'),
  },
];

describe("elements", () => {
  it.each(elementCases)("$name", ({ blocks, check }) => {
    check(render(blocks).html);
  });

  it("renders a confirm dialog named by its title, with confirm and deny buttons", () => {
    const confirmed: string[] = [];
    const nodes: VNode<Json>[] = [];
    const previous = options.vnode;
    options.vnode = (v) => {
      if (typeof v.type === "string") nodes.push(v as VNode<Json>);
      previous?.(v);
    };
    let html: string;
    try {
      html = renderToString(
        h(ConfirmDialog, {
          confirm: { title: plain("Execute now?"), text: md("This *inactivates* Acme"), confirm: plain("Execute"), deny: plain("Not yet"), style: "danger" },
          ctx: makeCtx(),
          idBase: "d",
          onConfirm: () => confirmed.push("yes"),
          onDeny: () => confirmed.push("no"),
        }),
      );
    } finally {
      options.vnode = previous;
    }
    expect(html).toMatch(/^<dialog class="bk-dialog" aria-labelledby="d-title"/);
    expect(html).toContain('<h2 id="d-title" class="bk-dialog-title">Execute now?</h2>');
    expect(html).toContain('<div id="d-text" class="bk-dialog-text">This <strong>inactivates</strong> Acme</div>');
    expect(html).toContain('class="bk-button bk-button-danger" autofocus>Execute</button>');
    call(findNode(nodes, (p, t) => t === "button" && p.children === "Not yet"), "onClick");
    call(findNode(nodes, (p, t) => t === "button" && p.children === "Execute"), "onClick");
    expect(confirmed).toEqual(["no", "yes"]);
  });
});

// --- state and actions ----------------------------------------------------

describe("state", () => {
  const modal: Json[] = [
    input({ type: "plain_text_input", initial_value: "hi" }, { block_id: "reason" }),
    input({ type: "plain_text_input" }, { block_id: "notes" }),
    input({ type: "static_select", options: [opt("A", "a")], initial_option: opt("A", "a") }, { block_id: "kind" }),
    input({ type: "external_select" }, { block_id: "client" }),
    input({ type: "users_select", initial_user: "U1" }, { block_id: "owner" }),
    input({ type: "datepicker", initial_date: "2025-01-31" }, { block_id: "on" }),
    input({ type: "radio_buttons", options: [opt("A", "a")] }, { block_id: "how" }),
    input({ type: "checkboxes", options: [opt("A", "a"), opt("B", "b")], initial_options: [opt("B", "b")] }, { block_id: "facts" }),
    actions({ type: "button", action_id: "go", text: plain("Go") }, { type: "datepicker", action_id: "snooze" }),
    { type: "section", block_id: "sec", text: md("x"), accessory: { type: "static_select", action_id: "acc", options: [opt("A", "a")] } },
  ];

  it("initialValues gives Slack's view.state.values for every stateful element", () => {
    expect(initialValues(modal)).toEqual({
      reason: { a: { type: "plain_text_input", value: "hi" } },
      notes: { a: { type: "plain_text_input", value: null } },
      kind: { a: { type: "static_select", selected_option: opt("A", "a") } },
      client: { a: { type: "external_select", selected_option: null } },
      owner: { a: { type: "users_select", selected_user: "U1" } },
      on: { a: { type: "datepicker", selected_date: "2025-01-31" } },
      how: { a: { type: "radio_buttons", selected_option: null } },
      facts: { a: { type: "checkboxes", selected_options: [opt("B", "b")] } },
      acts: { snooze: { type: "datepicker", selected_date: null } },
      sec: { acc: { type: "static_select", selected_option: null } },
    });
  });

  it.each([
    { name: "input element records its value, sends nothing", blockType: "input", dispatch: false, stores: true, sends: false },
    { name: "input element with dispatch_action records and sends", blockType: "input", dispatch: true, stores: true, sends: true },
    { name: "actions element records and sends", blockType: "actions", dispatch: false, stores: true, sends: true },
    { name: "section accessory records and sends", blockType: "section", dispatch: false, stores: true, sends: true },
  ])("$name", ({ blockType, dispatch, stores, sends }) => {
    const result = interact({ blockType, blockId: "b", actionId: "a", dispatchAction: dispatch }, { type: "static_select", selected_option: opt("A", "a") }, {});
    expect(result.values !== undefined).toBe(stores);
    expect(result.action).toEqual(sends ? { type: "static_select", block_id: "b", action_id: "a", selected_option: opt("A", "a") } : undefined);
  });

  it("a button records nothing and sends its value", () => {
    expect(interact({ blockType: "actions", blockId: "b", actionId: "go", dispatchAction: false }, { type: "button", value: "r1" }, {})).toEqual({
      action: { type: "button", block_id: "b", action_id: "go", value: "r1" },
    });
  });

  it("checkbox selections keep the options' order", () => {
    const all = [opt("A", "a"), opt("B", "b"), opt("C", "c")];
    expect(toggleOption(all, [opt("C", "c")], opt("A", "a"), true)).toEqual([opt("A", "a"), opt("C", "c")]);
    expect(toggleOption(all, [opt("A", "a"), opt("C", "c")], opt("A", "a"), false)).toEqual([opt("C", "c")]);
  });

  it("ticking a checkbox in a modal reports the new values and sends no action", () => {
    const sent: BlockAction[] = [];
    const reported: ViewStateValues[] = [];
    const values = initialValues(modal);
    const { nodes } = render(modal, { values, onValues: (v) => reported.push(v), ctx: makeCtx(sent) });
    call(findNode(nodes, (p, t) => t === "input" && p.type === "checkbox" && p.value === "a"), "onChange", { currentTarget: { checked: true } });
    expect(reported).toHaveLength(1);
    expect(reported[0]!.facts).toEqual({ a: { type: "checkboxes", selected_options: [opt("A", "a"), opt("B", "b")] } });
    expect(reported[0]!.reason).toEqual(values.reason);
    expect(sent).toEqual([]);
  });

  it("choosing in an actions-block select sends the action and records the value", () => {
    const sent: BlockAction[] = [];
    const reported: ViewStateValues[] = [];
    const blocks = [actions({ type: "static_select", action_id: "step", options: [opt("Email", "e"), opt("Call", "c")] })];
    const { nodes } = render(blocks, { values: initialValues(blocks), onValues: (v) => reported.push(v), ctx: makeCtx(sent) });
    call(findNode(nodes, (_p, t) => t === "select"), "onChange", { currentTarget: { value: "c" } });
    expect(sent).toEqual([{ type: "static_select", block_id: "acts", action_id: "step", selected_option: opt("Call", "c") }]);
    expect(reported[0]).toEqual({ acts: { step: { type: "static_select", selected_option: opt("Call", "c") } } });
  });

  it("a button sends its action on click; a button with confirm only opens its dialog", () => {
    const sent: BlockAction[] = [];
    const confirm = { title: plain("Sure?"), text: plain("Really"), confirm: plain("Yes"), deny: plain("No") };
    const blocks = [actions({ type: "button", action_id: "approve", text: plain("Approve"), value: "r1" }, { type: "button", action_id: "exec", text: plain("Execute"), confirm })];
    const { nodes } = render(blocks, { surface: "message", ctx: makeCtx(sent) });
    call(findNode(nodes, (p, t) => t === "button" && p["aria-haspopup"] === "dialog"), "onClick");
    expect(sent).toEqual([]);
    call(findNode(nodes, (p, t) => t === "button" && p["aria-haspopup"] === undefined), "onClick");
    expect(sent).toEqual([{ type: "button", block_id: "acts", action_id: "approve", value: "r1" }]);
  });

  it("typing in a text input records the value; empty text is null as Slack sends it", () => {
    const reported: ViewStateValues[] = [];
    const blocks = [input({ type: "plain_text_input" }, { block_id: "reason" })];
    const { nodes } = render(blocks, { values: {}, onValues: (v) => reported.push(v) });
    const field = findNode(nodes, (p, t) => t === "input" && p.type === "text");
    call(field, "onInput", { currentTarget: { value: "moving" } });
    call(field, "onInput", { currentTarget: { value: "" } });
    expect(reported).toEqual([{ reason: { a: { type: "plain_text_input", value: "moving" } } }, { reason: { a: { type: "plain_text_input", value: null } } }]);
  });
});
