/**
 * Slack mrkdwn → Preact vnodes. Every piece of text becomes a text node, so
 * whatever the bot sends is shown as text, never parsed as HTML.
 */
import type { ComponentChildren, VNode } from "preact";
import { get as emojiFor } from "node-emoji";
import type { SlackText } from "../protocol.ts";

/** How mentions are shown: the page knows the workspace's people, groups and channels. */
export interface MentionLookup {
  userName(id: string): string;
  usergroupHandle(id: string): string | undefined;
  channelName(id: string): string | undefined;
}

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">" };

/** Slack escapes only these three in message text. */
export function decodeEntities(text: string): string {
  return text.replace(/&(?:amp|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity);
}

/** `:white_check_mark:` → ✅; unknown shortcodes stay as typed. */
export function emojify(text: string): string {
  return text.replace(/:([a-z0-9_+'-]+):/gi, (code, name: string) => emojiFor(name) ?? code);
}

/** Text with its line breaks as <br>. */
function withBreaks(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  text.split("\n").forEach((line, i) => {
    if (i > 0) out.push(<br />);
    if (line) out.push(line);
  });
  return out;
}

/** A run of ordinary text: entities decoded, emoji replaced, line breaks kept. */
function textRun(raw: string): ComponentChildren[] {
  return withBreaks(emojify(decodeEntities(raw)));
}

const SAFE_URL = /^(?:https?:|mailto:|tel:)/i;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const BROADCASTS = new Set(["here", "channel", "everyone"]);

/** A `<…>` token: a link, a mention of a person, channel or group, or a broadcast. */
function angleToken(inner: string, ctx: MentionLookup): ComponentChildren {
  const bar = inner.indexOf("|");
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : decodeEntities(inner.slice(bar + 1));
  if (target.startsWith("@")) {
    const id = target.slice(1);
    return <span class="bk-mention">@{ctx.userName(id) || label || id}</span>;
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    return <span class="bk-mention bk-channel-mention">#{ctx.channelName(id) ?? label ?? id}</span>;
  }
  if (target.startsWith("!subteam^")) {
    const id = target.slice("!subteam^".length);
    return <span class="bk-mention">@{ctx.usergroupHandle(id) ?? label?.replace(/^@/, "") ?? id}</span>;
  }
  if (target.startsWith("!")) {
    const name = target.slice(1);
    if (BROADCASTS.has(name)) return <span class="bk-mention bk-broadcast">@{name}</span>;
    // <!date^…|fallback> and anything else Slack formats: its fallback text.
    return emojify(label ?? name);
  }
  const href = decodeEntities(target);
  // Not a link Slack would make (`<script>`): the text as typed.
  if (!URL_SCHEME.test(href)) return decodeEntities(`<${inner}>`);
  const shown = label ? emojify(label) : href;
  // A link in a scheme a page must not follow (javascript:, data:): its label as text.
  if (!SAFE_URL.test(href)) return shown;
  return (
    <a class="bk-link" href={href} target="_blank" rel="noopener noreferrer">
      {shown}
    </a>
  );
}

const ANGLE = /^<([^<>\n]*)>/;
const MARKS: Record<string, "b" | "i" | "s"> = { "*": "b", _: "i", "~": "s" };

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}]/u.test(c);
}

function isSpace(c: string | undefined): boolean {
  return c === undefined || /\s/.test(c);
}

/** Where the marker opened at `open` closes on the same line, or -1. */
function closingMark(src: string, open: number, mark: string): number {
  for (let k = open + 2; k < src.length; k++) {
    const c = src[k];
    if (c === "\n") return -1;
    if (c === "<") {
      const token = ANGLE.exec(src.slice(k));
      if (token) k += token[0].length - 1;
      continue;
    }
    if (c === mark && !isSpace(src[k - 1]) && !isWordChar(src[k + 1])) return k;
  }
  return -1;
}

/** Inline mrkdwn: links and mentions, `code`, *bold*, _italic_, ~strike~ (nested), text. */
function inline(src: string, ctx: MentionLookup): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let text = "";
  const flush = (): void => {
    if (text) out.push(...textRun(text));
    text = "";
  };
  for (let i = 0; i < src.length; ) {
    const c = src[i]!;
    if (c === "<") {
      const token = ANGLE.exec(src.slice(i));
      if (token) {
        flush();
        out.push(angleToken(token[1]!, ctx));
        i += token[0].length;
        continue;
      }
    }
    if (c === "`") {
      const end = src.indexOf("`", i + 1);
      if (end > i + 1 && !src.slice(i + 1, end).includes("\n")) {
        flush();
        out.push(<code class="bk-code">{decodeEntities(src.slice(i + 1, end))}</code>);
        i = end + 1;
        continue;
      }
    }
    const tag = MARKS[c];
    if (tag && !isWordChar(src[i - 1]) && !isSpace(src[i + 1]) && src[i + 1] !== c) {
      const end = closingMark(src, i, c);
      if (end > 0) {
        flush();
        const inner = inline(src.slice(i + 1, end), ctx);
        out.push(tag === "b" ? <strong>{inner}</strong> : tag === "i" ? <em>{inner}</em> : <del>{inner}</del>);
        i = end + 1;
        continue;
      }
    }
    text += c;
    i += 1;
  }
  flush();
  return out;
}

const QUOTE = /^(?:&gt;|>)/;
const LONG_QUOTE = /^(?:&gt;|>){3}/;

/** Lines outside code blocks: runs of `>` lines become quotes (`>>>` quotes the rest). */
function paragraphs(src: string, ctx: MentionLookup): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  const lines = src.split("\n");
  let plain: string[] = [];
  let quoted: string[] = [];
  const flushPlain = (): void => {
    if (plain.length) out.push(...inline(plain.join("\n"), ctx));
    plain = [];
  };
  const flushQuote = (): void => {
    if (quoted.length) out.push(<blockquote class="bk-quote">{inline(quoted.join("\n"), ctx)}</blockquote>);
    quoted = [];
  };
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    const long = LONG_QUOTE.exec(line);
    if (long) {
      flushPlain();
      quoted.push(line.slice(long[0].length).replace(/^ /, ""), ...lines.slice(n + 1));
      break;
    }
    const quote = QUOTE.exec(line);
    if (quote) {
      flushPlain();
      quoted.push(line.slice(quote[0].length).replace(/^ /, ""));
    } else {
      flushQuote();
      plain.push(line);
    }
  }
  flushPlain();
  flushQuote();
  return out;
}

/** A ```preformatted``` block: links and mentions still show, nothing else is formatted. */
function preformatted(src: string, ctx: MentionLookup): VNode {
  const body = src.replace(/^\n/, "").replace(/\n$/, "");
  const parts: ComponentChildren[] = [];
  let rest = body;
  for (let at = rest.indexOf("<"); at >= 0; at = rest.indexOf("<")) {
    const token = ANGLE.exec(rest.slice(at));
    if (!token) {
      parts.push(decodeEntities(rest.slice(0, at + 1)));
      rest = rest.slice(at + 1);
      continue;
    }
    parts.push(decodeEntities(rest.slice(0, at)), angleToken(token[1]!, ctx));
    rest = rest.slice(at + token[0].length);
  }
  parts.push(decodeEntities(rest));
  return <pre class="bk-pre">{parts}</pre>;
}

/** Slack mrkdwn as vnodes (a list of children; the caller wraps them). */
export function renderMrkdwn(text: string, ctx: MentionLookup): ComponentChildren[] {
  const segments = text.split("```");
  if (segments.length % 2 === 0) {
    // An unmatched ``` is literal text.
    const last = segments.pop()!;
    segments[segments.length - 1] += "```" + last;
  }
  const out: ComponentChildren[] = [];
  segments.forEach((segment, i) => {
    if (i % 2 === 1) {
      out.push(preformatted(segment, ctx));
      return;
    }
    let plain = segment;
    if (i > 0) plain = plain.replace(/^\n/, "");
    if (i < segments.length - 1) plain = plain.replace(/\n$/, "");
    if (plain) out.push(...paragraphs(plain, ctx));
  });
  return out;
}

/** plain_text: shortcodes replaced unless `emoji: false`; line breaks kept; nothing else. */
export function renderPlainText(text: SlackText): ComponentChildren[] {
  return withBreaks(text.emoji === false ? text.text : emojify(text.text));
}

/** A text object as a string, for attributes and <option>: plain_text with emoji; mrkdwn with links as their labels. */
export function textString(text: SlackText | undefined): string {
  if (!text) return "";
  if (text.type === "plain_text") return text.emoji === false ? text.text : emojify(text.text);
  const withoutTokens = text.text.replace(/<([^<>\n]*)>/g, (_whole, inner: string) => {
    const bar = inner.indexOf("|");
    return bar < 0 ? inner.replace(/^[@#!]/, "") : inner.slice(bar + 1);
  });
  return emojify(decodeEntities(withoutTokens));
}

export function Mrkdwn(props: { text: string; ctx: MentionLookup }): VNode {
  return <>{renderMrkdwn(props.text, props.ctx)}</>;
}

/** Any text object: mrkdwn or plain_text. */
export function TextObject(props: { text: SlackText | undefined; ctx: MentionLookup }): VNode | null {
  const { text, ctx } = props;
  if (!text) return null;
  return <>{text.type === "mrkdwn" ? renderMrkdwn(text.text, ctx) : renderPlainText(text)}</>;
}
