import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { addDays, addHours } from "date-fns";
import { loadEnv } from "../config/env.ts";
import { describePolicyFailure, formatProblems, loadPolicyFile } from "../config/policy-file.ts";
import { isIsoDate, localDate, startOfLocalDay } from "../domain/calendar.ts";
import { nextBusinessMoment } from "../domain/dunning.ts";
import type { Policy } from "../domain/policy.ts";
import { startBot, StartupError, type RunningBot } from "../main.ts";
import { SandboxClock } from "./clock.ts";
import { loadDemoClients } from "./demo-clients.ts";
import { EventSender } from "./event-sender.ts";
import { buildPage } from "./page.ts";
import type { PageAnswer, SandboxChannel, SandboxUser, SandboxUsergroup } from "./protocol.ts";
import { SandboxServer, type ClockMove } from "./server.ts";
import { ChannelRateLimiter, TriggerIds } from "./slack-rules.ts";
import { SandboxWebApi } from "./web-api.ts";
import { Workspace, type WorkspaceSetup } from "./workspace.ts";

export interface SandboxOptions {
  cwd: string;
  port: number;
  /** The policy to rehearse; default ./offboard.policy.yml when present, else the example. */
  policy?: string;
  /** Start from an empty database. */
  reset?: boolean;
  log(line: string): void;
  env: NodeJS.ProcessEnv;
}

export interface RunningSandbox {
  url: string;
  bot: RunningBot;
  workspace: Workspace;
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";
const BOT_USER = "U0OFFBOARD";
/** One clock move runs at most this many due-job rounds, so a jump far ahead always ends. */
const MAX_CLOCK_STEPS = 500;

/** Which policy file the sandbox rehearses: --policy, else OFFBOARD_POLICY, else ./offboard.policy.yml when present, else the example. */
export function sandboxPolicyPath(cwd: string, explicit?: string): string {
  if (explicit) return resolve(cwd, explicit);
  const own = resolve(cwd, "offboard.policy.yml");
  if (existsSync(own)) return own;
  const example = resolve(cwd, "offboard.policy.example.yml");
  // Run from another folder: the example that ships with Offboard.
  return existsSync(example) ? example : fileURLToPath(new URL("../../offboard.policy.example.yml", import.meta.url));
}

/**
 * The sandbox: a local Slack workspace in the browser, with the real bot
 * talking to it over HTTP as it would to Slack, on its own embedded database
 * under ./data/sandbox/, and a clock that only moves forward.
 */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const policyPath = sandboxPolicyPath(options.cwd, options.policy ?? (options.env.OFFBOARD_POLICY || undefined));
  const loaded = await loadPolicyFile(policyPath);
  if (!loaded.ok) {
    throw new StartupError(
      loaded.failure === "invalid" ? `cannot start the sandbox: the policy file is invalid\n${formatProblems(policyPath, loaded.problems)}` : `cannot start the sandbox: ${describePolicyFailure(policyPath, loaded)}`,
      1,
    );
  }
  const policy = loaded.policy;

  // Its own embedded database, never the bot's data nor DATABASE_URL.
  const dataDir = resolve(options.cwd, options.env.OFFBOARD_DATA_DIR || "./data", "sandbox");
  if (options.reset) await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });

  const clock = new SandboxClock();
  const workspace = new Workspace(workspaceFromPolicy(policy), clock);
  const botToken = `xoxb-sandbox-${randomBytes(12).toString("hex")}`;
  const signingSecret = randomBytes(16).toString("hex");
  // A channel's message rate is counted in the bot's time: a clock jump over a week is not a burst of a second.
  const api = new SandboxWebApi(workspace, botToken, new TriggerIds(), options.log, new ChannelRateLimiter({ now: () => clock.now().getTime() }));
  let botUrl = "";
  let server: SandboxServer | undefined;
  const sender = new EventSender(() => botUrl, signingSecret, workspace, api, () => server?.url ?? "");
  let bot: RunningBot | undefined;
  let stopping = false;
  let clockMoves: Promise<PageAnswer> = Promise.resolve({ ok: true });
  server = new SandboxServer({
    workspace,
    api,
    sender,
    assets: await buildPage(),
    moveClock: (move) => {
      if (!bot || stopping) return Promise.resolve({ ok: false, error: stopping ? "the sandbox is stopping" : "the bot is starting" });
      // One move at a time; a stop waits for the one under way (its jobs talk to the bot's Slack).
      const moving = (clockMoves = clockMoves.then(() => moveClock(bot!, clock, workspace, policy, move)));
      return moving;
    },
    log: options.log,
  });
  try {
    const url = await server.listen(options.port, HOST);
    const env = loadEnv({
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: `${url}/api/`,
      OFFBOARD_POLICY: policyPath,
      LOG_LEVEL: options.env.LOG_LEVEL,
      SCHEDULER_POLL_MS: "1000",
    });
    if (!env.ok) throw new StartupError(`cannot start the sandbox: ${env.problems.join("; ")}`, 2);
    bot = await startBot(env.env, options.cwd, () => {}, options.env, { clock, database: { kind: "embedded", dataDir }, host: HOST, port: 0 });
    const botPort = (bot.server?.address() as { port: number } | null)?.port;
    botUrl = `http://${HOST}:${botPort}/slack/events`;
    if (policy.systemOfRecord.type === "ledger") {
      const demo = await loadDemoClients(bot.store, clock);
      if (demo) options.log(`sandbox: loaded ${demo} demo clients (start again with --reset to begin from scratch)`);
    }
    const running = bot;
    return {
      url: `${url}/`,
      bot: running,
      workspace,
      stop: async () => {
        stopping = true;
        await clockMoves.catch(() => {});
        await running.stop();
        await server!.close();
      },
    };
  } catch (error) {
    await bot?.stop().catch(() => {});
    await server.close();
    throw error;
  }
}

/** People and channels for a policy: its channels and approvers, three staff members (en, es, pt) and a stranger. */
export function workspaceFromPolicy(policy: Policy): WorkspaceSetup {
  const approverNames = ["Marta Gómez", "Diego Ferreira", "Lucía Pereira", "Paulo Santos", "Sofía Acosta"];
  const language = ({ en: "en-US", es: "es-ES", pt: "pt-BR" } as const)[policy.language];
  const approvers: SandboxUser[] = policy.approvers.users.map((id, i) => ({ id, name: approverNames[i % approverNames.length]!, role: "approver", locale: language }));
  const usergroups: SandboxUsergroup[] = [];
  if (policy.approvers.usergroup) {
    const members = [
      { id: "U0GROUPMGR1", name: "Gerencia Uno", role: "approver" as const, locale: language },
      { id: "U0GROUPMGR2", name: "Gerencia Dos", role: "approver" as const, locale: language },
    ];
    approvers.push(...members.filter((m) => !approvers.some((a) => a.id === m.id)));
    usergroups.push({ id: policy.approvers.usergroup, handle: "managers", users: members.map((m) => m.id) });
  }
  const users: SandboxUser[] = [
    { id: "U0STAFFANA", name: "Ana", role: "staff", locale: "es-ES" },
    { id: "U0STAFFBRUNO", name: "Bruno", role: "staff", locale: "pt-BR" },
    { id: "U0STAFFCHRIS", name: "Chris", role: "staff", locale: "en-US" },
    ...approvers,
    { id: "U0STRANGER", name: "Sam", role: "stranger", locale: "en-US" },
    { id: BOT_USER, name: "Offboard", role: "staff", locale: "en-US", isBot: true },
  ];
  const channels: SandboxChannel[] = [
    { id: policy.channels.requests, name: "offboard-requests" },
    { id: policy.channels.management, name: "management" },
  ];
  return { company: policy.company ?? "Sandbox", timezone: policy.timezone, botUserId: BOT_USER, users, usergroups, channels };
}

/**
 * Moves the bot's clock forward and runs what falls due on the way, each at
 * its own time (a reminder due Tuesday runs "on Tuesday", not at the end of
 * the jump), as the scheduler would have in production.
 */
async function moveClock(bot: RunningBot, clock: SandboxClock, workspace: Workspace, policy: Policy, move: ClockMove): Promise<PageAnswer> {
  const now = clock.now();
  let target: Date;
  if ("to" in move) {
    // A day means the start of business hours that day (or the next business day), in the policy's time zone.
    if (/^\d{4}-\d{2}-\d{2}$/.test(move.to) && !isIsoDate(move.to)) return { ok: false, error: `not a date: ${move.to}` };
    target = /^\d{4}-\d{2}-\d{2}$/.test(move.to) ? nextBusinessMoment(startOfLocalDay(move.to, policy.timezone), policy.reminders, policy.timezone) : new Date(move.to);
    if (Number.isNaN(target.getTime())) return { ok: false, error: `not a date: ${move.to}` };
  } else if (move.advance === "1h") target = addHours(now, 1);
  else if (move.advance === "1d") target = addDays(now, 1);
  else target = nextBusinessMorning(now, policy);
  if (target.getTime() <= now.getTime()) return { ok: false, error: "the clock only moves forward" };
  for (let step = 0; step < MAX_CLOCK_STEPS; step += 1) {
    const due = await bot.store.jobs.nextDueAt(target);
    if (!due) break;
    clock.moveTo(due);
    await runDue(bot);
  }
  clock.moveTo(target);
  await runDue(bot);
  workspace.changed();
  return { ok: true };
}

/** Runs what is due now; bounded, in case a job keeps scheduling itself for now. */
async function runDue(bot: RunningBot): Promise<void> {
  for (let round = 0; round < 20 && (await bot.scheduler.tick()) > 0; round += 1);
}

/** The start of the policy's business hours on the next business day. */
function nextBusinessMorning(now: Date, policy: Policy): Date {
  return nextBusinessMoment(startOfLocalDay(localDate(now, policy.timezone), policy.timezone, 1), policy.reminders, policy.timezone);
}
