import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ActionSource, BlockAction, PageAnswer, PageRequest, SandboxMessage, SandboxModal, SandboxState, SandboxUser, SlackOption, ViewStateValues } from "../protocol.ts";
import { Blocks, initialValues, type RenderContext } from "./blocks.tsx";
import { Mrkdwn, textString } from "./mrkdwn.tsx";

type Place = { kind: "channel"; id: string } | { kind: "home" };

const LANGUAGE: Record<string, string> = { "en-US": "en", "es-ES": "es", "pt-BR": "pt" };
const ROLE: Record<SandboxUser["role"], string> = { staff: "staff", approver: "approver", stranger: "no role" };

async function act(request: PageRequest): Promise<PageAnswer> {
  try {
    const response = await fetch("/sandbox/act", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });
    return (await response.json()) as PageAnswer;
  } catch (error) {
    return { ok: false, error: `the sandbox did not answer (${(error as Error).message})` };
  }
}

/** The workspace's state, live: the whole state arrives again after every change. */
function useWorkspace(): { state: SandboxState | null; connected: boolean; receivedAt: number } {
  const [state, setState] = useState<SandboxState | null>(null);
  const [connected, setConnected] = useState(false);
  const [receivedAt, setReceivedAt] = useState(Date.now());
  useEffect(() => {
    const source = new EventSource("/sandbox/stream");
    source.onmessage = (event) => {
      setState(JSON.parse(event.data as string) as SandboxState);
      setReceivedAt(Date.now());
      setConnected(true);
    };
    source.onerror = () => setConnected(false);
    return () => source.close();
  }, []);
  return { state, connected, receivedAt };
}

export function App() {
  const { state, connected, receivedAt } = useWorkspace();
  const [me, setMe] = useState<string>("");
  const [place, setPlace] = useState<Place | null>(null);
  const [thread, setThread] = useState<{ channel: string; ts: string } | null>(null);
  const [notice, setNotice] = useState<string>("");

  const humans = useMemo(() => state?.users.filter((u) => !u.isBot) ?? [], [state?.users]);
  const user = humans.find((u) => u.id === me) ?? humans[0];
  useEffect(() => {
    if (!state || place) return;
    setPlace({ kind: "channel", id: state.channels[0]!.id });
  }, [state, place]);

  if (!state || !user || !place) return <p class="loading">{connected ? "Loading the workspace…" : "Connecting to the sandbox…"}</p>;

  const ctx: RenderContext = {
    userName: (id) => state.users.find((u) => u.id === id)?.name ?? id,
    usergroupHandle: (id) => state.usergroups.find((g) => g.id === id)?.handle,
    channelName: (id) => state.channels.find((c) => c.id === id)?.name,
    users: () => humans.map(({ id, name }) => ({ id, name })),
    onAction: () => {},
  };
  const run = async (request: PageRequest) => {
    const answer = await act(request);
    if (!answer.ok) setNotice(answer.error);
    return answer;
  };
  const openHome = () => {
    setPlace({ kind: "home" });
    setThread(null);
    void run({ type: "app_home_opened", user: user.id });
  };
  const switchTo = (id: string) => {
    setMe(id);
    setThread(null);
    setNotice("");
    if (place.kind === "home") void run({ type: "app_home_opened", user: id });
  };
  const dm = state.channels.find((c) => c.dmWith === user.id);
  const named = state.channels.filter((c) => !c.dmWith);
  const modal = state.modals[user.id]?.at(-1);

  return (
    <div class="sb-app">
      <header class="sb-top">
        <span class="sb-team">{state.company} · sandbox</span>
        <Clock state={state} receivedAt={receivedAt} run={run} />
        <label class="sb-switch">
          <span>You are:</span>
          <select aria-label="You are" value={user.id} onChange={(e) => switchTo((e.target as HTMLSelectElement).value)}>
            {humans.map((u) => (
              <option value={u.id}>{personLabel(u)}</option>
            ))}
          </select>
        </label>
      </header>
      {state.errors.length > 0 && <Errors errors={state.errors} run={run} />}
      {notice && (
        <div class="sb-notice" role="status">
          {notice}
          <button type="button" aria-label="Dismiss" onClick={() => setNotice("")}>
            ×
          </button>
        </div>
      )}
      <div class={`sb-body${thread ? " sb-with-thread" : ""}`}>
        <nav class="sb-sidebar" aria-label="Channels">
          <h2>Channels</h2>
          <ul>
            {named.map((c) => (
              <li>
                <button type="button" class="sb-nav" aria-current={place.kind === "channel" && place.id === c.id ? "page" : undefined} onClick={() => (setPlace({ kind: "channel", id: c.id }), setThread(null))}>
                  # {c.name}
                </button>
              </li>
            ))}
          </ul>
          <h2>Apps</h2>
          <ul>
            <li>
              <button type="button" class="sb-nav" aria-current={place.kind === "home" ? "page" : undefined} onClick={openHome}>
                Offboard — Home
              </button>
            </li>
            {dm && (
              <li>
                <button type="button" class="sb-nav" aria-current={place.kind === "channel" && place.id === dm.id ? "page" : undefined} onClick={() => (setPlace({ kind: "channel", id: dm.id }), setThread(null))}>
                  Offboard — Messages
                  <Unread state={state} channel={dm.id} me={user.id} />
                </button>
              </li>
            )}
          </ul>
        </nav>
        <main class="sb-main" aria-label={place.kind === "home" ? "Offboard home" : `#${state.channels.find((c) => c.id === place.id)?.name ?? ""}`}>
          {place.kind === "home" ? (
            <Home state={state} me={user.id} ctx={ctx} run={run} />
          ) : (
            <Channel state={state} channel={place.id} me={user.id} ctx={ctx} run={run} openThread={(ts) => setThread({ channel: place.id, ts })} />
          )}
        </main>
        {thread && <Thread state={state} thread={thread} me={user.id} ctx={ctx} run={run} close={() => setThread(null)} />}
      </div>
      {modal && <Modal key={modal.id} modal={modal} stackSize={state.modals[user.id]!.length} me={user.id} ctx={ctx} run={run} />}
    </div>
  );
}

/** What the bot got wrong from Slack, one line per method and error, with how often. */
function Errors(props: { errors: SandboxState["errors"]; run: (r: PageRequest) => Promise<PageAnswer> }) {
  const groups = new Map<string, SandboxState["errors"]>();
  for (const e of props.errors) groups.set(`${e.method} ${e.error}`, [...(groups.get(`${e.method} ${e.error}`) ?? []), e]);
  const dismiss = (ids: number[]) => Promise.all(ids.map((id) => props.run({ type: "dismiss_error", id })));
  return (
    <section class="sb-errors" aria-label="Errors the bot got from Slack">
      {[...groups.values()].map((group) => {
        const e = group.at(-1)!;
        return (
          <div class="sb-error" role="alert">
            <strong>{e.method}</strong>: <code>{e.error}</code>
            {group.length > 1 && <span class="sb-times"> ×{group.length}</span>}
            {e.error === "ratelimited" ? <span> — more than about one message a second in a channel; Slack asks the bot to wait and retry, as it would for real.</span> : e.detail && <span> — {e.detail}</span>}
            <button type="button" aria-label={`Dismiss ${e.method} ${e.error}`} onClick={() => void dismiss(group.map((g) => g.id))}>
              ×
            </button>
          </div>
        );
      })}
    </section>
  );
}

function personLabel(u: SandboxUser): string {
  return `${u.name}, ${ROLE[u.role]}, ${LANGUAGE[u.locale] ?? u.locale}`;
}

function Unread(props: { state: SandboxState; channel: string; me: string }) {
  const count = props.state.messages.filter((m) => m.channel === props.channel && !m.threadTs && (!m.ephemeralTo || m.ephemeralTo === props.me)).length;
  return count ? <span class="sb-count" aria-label={`${count} messages`}>{count}</span> : null;
}

function formatTime(iso: string, timezone: string, withDate = true): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    ...(withDate ? { weekday: "short", day: "numeric", month: "short", year: "numeric" } : {}),
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(iso));
}

function tsTime(ts: string): string {
  return new Date(Number(ts.split(".")[0]) * 1000).toISOString();
}

/** The bot's clock, ticking, with the controls that move it forward. */
function Clock(props: { state: SandboxState; receivedAt: number; run: (r: PageRequest) => Promise<PageAnswer> }) {
  const [, tick] = useState(0);
  const [busy, setBusy] = useState(false);
  const [day, setDay] = useState("");
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const now = new Date(new Date(props.state.clock.now).getTime() + (Date.now() - props.receivedAt));
  const move = async (request: PageRequest) => {
    setBusy(true);
    await props.run(request);
    setBusy(false);
  };
  return (
    <section class="sb-clock" aria-label="Clock">
      <span class="sb-now" aria-live="polite">
        <time dateTime={now.toISOString()} title={`The bot's time, in the policy's time zone (${props.state.clock.timezone})`}>
          {formatTime(now.toISOString(), props.state.clock.timezone)}
        </time>
      </span>
      <button type="button" disabled={busy} onClick={() => void move({ type: "clock", advance: "1h" })}>
        +1 hour
      </button>
      <button type="button" disabled={busy} onClick={() => void move({ type: "clock", advance: "1d" })}>
        +1 day
      </button>
      <button type="button" disabled={busy} onClick={() => void move({ type: "clock", advance: "business_morning" })}>
        Next business morning
      </button>
      <form
        class="sb-goto"
        onSubmit={(e) => {
          e.preventDefault();
          if (day) void move({ type: "clock", to: day });
        }}
      >
        <input type="date" aria-label="Move the clock to" value={day} onInput={(e) => setDay((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy || !day}>
          Go
        </button>
      </form>
    </section>
  );
}

function visibleTo(message: SandboxMessage, me: string): boolean {
  return !message.ephemeralTo || message.ephemeralTo === me;
}

function Channel(props: { state: SandboxState; channel: string; me: string; ctx: RenderContext; run: (r: PageRequest) => Promise<PageAnswer>; openThread: (ts: string) => void }) {
  const { state, channel, me } = props;
  const messages = state.messages.filter((m) => m.channel === channel && !m.threadTs && visibleTo(m, me));
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => end.current?.scrollIntoView?.({ block: "end" }), [messages.length, channel]);
  const name = state.channels.find((c) => c.id === channel);
  return (
    <div class="sb-channel">
      <h1 class="sb-title">{name?.dmWith ? "Offboard" : `# ${name?.name ?? channel}`}</h1>
      <ol class="sb-messages" aria-label="Messages">
        {messages.length === 0 && <li class="sb-empty">No messages yet.</li>}
        {messages.map((m) => {
          const replies = state.messages.filter((r) => r.channel === channel && r.threadTs === m.ts && visibleTo(r, me)).length;
          return (
            <li key={m.ts}>
              <Message state={state} message={m} me={me} ctx={props.ctx} run={props.run} />
              {replies > 0 && (
                <button type="button" class="sb-replies" onClick={() => props.openThread(m.ts)}>
                  {replies === 1 ? "1 reply" : `${replies} replies`}
                </button>
              )}
            </li>
          );
        })}
      </ol>
      <div ref={end} />
      <Composer state={state} channel={channel} me={me} run={props.run} />
    </div>
  );
}

function Message(props: { state: SandboxState; message: SandboxMessage; me: string; ctx: RenderContext; run: (r: PageRequest) => Promise<PageAnswer> }) {
  const { state, message, me } = props;
  const author = state.users.find((u) => u.id === message.user);
  const source: ActionSource = { kind: "message", channel: message.channel, ts: message.ts };
  const ctx: RenderContext = { ...props.ctx, onAction: (action: BlockAction) => void props.run({ type: "block_actions", user: me, source, action }) };
  return (
    <article class={`sb-message${message.ephemeralTo ? " sb-ephemeral" : ""}`} aria-label={`${author?.name ?? message.user} at ${formatTime(tsTime(message.ts), state.clock.timezone)}`}>
      <div class="sb-meta">
        <strong>{author?.name ?? message.user}</strong>
        {author?.isBot && <span class="sb-badge">APP</span>}
        <time dateTime={tsTime(message.ts)}>{formatTime(tsTime(message.ts), state.clock.timezone)}</time>
        {message.edited && <span class="sb-edited">(edited)</span>}
        {message.ephemeralTo && <span class="sb-only-you">Only visible to you</span>}
      </div>
      {message.blocks?.length ? <Blocks blocks={message.blocks} ctx={ctx} surface="message" /> : <Mrkdwn text={message.text} ctx={ctx} />}
    </article>
  );
}

function Thread(props: { state: SandboxState; thread: { channel: string; ts: string }; me: string; ctx: RenderContext; run: (r: PageRequest) => Promise<PageAnswer>; close: () => void }) {
  const { state, thread, me } = props;
  const parent = state.messages.find((m) => m.channel === thread.channel && m.ts === thread.ts);
  const replies = state.messages.filter((m) => m.channel === thread.channel && m.threadTs === thread.ts && visibleTo(m, me));
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => end.current?.scrollIntoView?.({ block: "end" }), [replies.length, thread.ts]);
  return (
    <aside class="sb-thread" aria-label="Thread">
      <div class="sb-thread-head">
        <h2>Thread</h2>
        <button type="button" aria-label="Close thread" onClick={props.close}>
          ×
        </button>
      </div>
      {parent && <Message state={state} message={parent} me={me} ctx={props.ctx} run={props.run} />}
      <p class="sb-reply-count">{replies.length === 1 ? "1 reply" : `${replies.length} replies`}</p>
      <ol class="sb-messages" aria-label="Replies">
        {replies.map((m) => (
          <li key={m.ts}>
            <Message state={state} message={m} me={me} ctx={props.ctx} run={props.run} />
          </li>
        ))}
      </ol>
      <div ref={end} />
    </aside>
  );
}

/** Slash commands, as Slack's message box takes them. */
function Composer(props: { state: SandboxState; channel: string; me: string; run: (r: PageRequest) => Promise<PageAnswer> }) {
  const [text, setText] = useState("");
  const [hint, setHint] = useState("");
  const name = props.state.channels.find((c) => c.id === props.channel);
  const label = name?.dmWith ? "Message Offboard" : `Message #${name?.name ?? ""}`;
  const submit = async () => {
    const typed = text.trim();
    const match = /^(\/\S+)\s*([\s\S]*)$/.exec(typed);
    if (!match) {
      setHint("Type a command: /deactivate CLIENT or /reactivate CLIENT (plain messages are not part of the rehearsal).");
      return;
    }
    const command = match[1]!;
    if (command !== "/deactivate" && command !== "/reactivate") {
      setHint(`${command} is not a valid command. In the sandbox: /deactivate and /reactivate.`);
      return;
    }
    setHint("");
    setText("");
    await props.run({ type: "command", user: props.me, channel: props.channel, command, text: match[2] ?? "" });
  };
  return (
    <form
      class="sb-composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <textarea
        aria-label={label}
        placeholder={`${label} — try /deactivate acme`}
        rows={1}
        value={text}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            void submit();
          }
        }}
      />
      <button type="submit">Send</button>
      {hint && (
        <p class="sb-hint" role="status">
          {hint}
        </p>
      )}
    </form>
  );
}

function Home(props: { state: SandboxState; me: string; ctx: RenderContext; run: (r: PageRequest) => Promise<PageAnswer> }) {
  const view = props.state.homes[props.me];
  const blocks = (view?.blocks ?? []) as Record<string, unknown>[];
  const [values, setValues] = useState<ViewStateValues>({});
  const ctx: RenderContext = { ...props.ctx, onAction: (action) => void props.run({ type: "block_actions", user: props.me, source: { kind: "home", values }, action }) };
  return (
    <div class="sb-home">
      <h1 class="sb-title">Offboard — Home</h1>
      {view ? <Blocks blocks={blocks} ctx={ctx} surface="home" values={values} onValues={setValues} /> : <p class="sb-empty">Opening the home tab…</p>}
    </div>
  );
}

/** The person's top modal, with the values they typed kept across the bot's updates (as Slack keeps them). */
function Modal(props: { modal: SandboxModal; stackSize: number; me: string; ctx: RenderContext; run: (r: PageRequest) => Promise<PageAnswer> }) {
  const { modal, me } = props;
  const view = modal.view;
  const blocks = (view.blocks ?? []) as Record<string, unknown>[];
  const [values, setValues] = useState<ViewStateValues>(() => initialValues(blocks));
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState<Record<string, string>>({});
  const hash = String(view.hash ?? "");
  const previous = useRef(hash);
  useEffect(() => {
    if (previous.current === hash) return;
    previous.current = hash;
    setValues((typed) => mergeValues(initialValues(blocks), typed));
  }, [hash]);
  const dialog = useRef<HTMLDivElement>(null);
  // Focus moves into the form before the next paint, so the keyboard is never left behind it.
  useLayoutEffect(() => {
    const first = dialog.current?.querySelector<HTMLElement>("input, select, textarea, button:not(.sb-modal-close)");
    first?.focus();
  }, [modal.id]);
  // Escape closes the form wherever focus is, as in Slack; a confirm dialog open on top handles its own Escape.
  // Listened for from the moment the form is on screen (a layout effect: an effect could wait for a frame,
  // and an Escape pressed meanwhile was lost).
  const closeRef = useRef<() => void>(() => {});
  useLayoutEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !document.querySelector("dialog[open]")) closeRef.current();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  const title = textString(view.title as never);
  const ctx: RenderContext = {
    ...props.ctx,
    onAction: (action) => void props.run({ type: "block_actions", user: me, source: { kind: "view", viewId: modal.id, values }, action }),
    suggest: async (actionId: string, blockId: string, query: string): Promise<SlackOption[]> => {
      const answer = await act({ type: "block_suggestion", user: me, viewId: modal.id, action_id: actionId, block_id: blockId, value: query });
      return answer.ok ? (answer.options ?? []) : [];
    },
  };
  const close = () => void props.run({ type: "view_closed", user: me, viewId: modal.id });
  closeRef.current = close;
  const submit = async () => {
    // Slack's client refuses an empty required field itself, without asking the app.
    const empty = requiredButEmpty(blocks, values);
    setMissing(empty);
    if (Object.keys(empty).length) return;
    setBusy(true);
    await props.run({ type: "view_submission", user: me, viewId: modal.id, values });
    setBusy(false);
  };
  return (
    <div class="sb-overlay">
      <div
        class="sb-modal"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        ref={dialog}
      >
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <div class="sb-modal-head">
            <h2>{title}</h2>
            <button type="button" class="sb-modal-close" aria-label="Close" onClick={close}>
              ×
            </button>
          </div>
          <div class="sb-modal-body">
            <Blocks blocks={blocks} ctx={ctx} surface="modal" values={values} onValues={setValues} errors={{ ...modal.errors, ...missing }} />
          </div>
          <div class="sb-modal-foot">
            <button type="button" onClick={close}>
              {view.close ? textString(view.close as never) : "Cancel"}
            </button>
            {Boolean(view.submit) && (
              <button type="submit" class="sb-primary" disabled={busy}>
                {textString(view.submit as never)}
              </button>
            )}
          </div>
        </form>
      </div>
    </div>
  );
}

const REQUIRED = "Please complete this required field.";

/** Input blocks that are not optional and have no value: block_id → Slack's message. */
function requiredButEmpty(blocks: Record<string, unknown>[], values: ViewStateValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const block of blocks) {
    if (block.type !== "input" || block.optional === true || typeof block.block_id !== "string") continue;
    const element = block.element as { action_id?: string } | undefined;
    const value = element?.action_id ? values[block.block_id]?.[element.action_id] : undefined;
    const filled = value && ((value.value ?? "").trim() !== "" || value.selected_option || value.selected_date || value.selected_user || (value.selected_options?.length ?? 0) > 0);
    if (!filled) out[block.block_id] = REQUIRED;
  }
  return out;
}

/** What the person typed wins over the new view's initial values, for the fields both have. */
function mergeValues(fresh: ViewStateValues, typed: ViewStateValues): ViewStateValues {
  const out: ViewStateValues = { ...fresh };
  for (const [block, actions] of Object.entries(fresh)) {
    for (const action of Object.keys(actions)) {
      const kept = typed[block]?.[action];
      if (kept) out[block] = { ...out[block], [action]: kept };
    }
  }
  return out;
}
