import type { Server } from "node:http";
import { resolve } from "node:path";
import { WebClient } from "@slack/web-api";
import { databaseTarget, type Env } from "./config/env.ts";
import { describePolicyFailure, formatProblems, loadPolicyFile } from "./config/policy-file.ts";
import type { Policy } from "./domain/policy.ts";
import { Ledger } from "./connectors/ledger.ts";
import { HttpSystemOfRecord, MIN_SECRET_LENGTH } from "./connectors/http.ts";
import { checkDatabase, DatabaseUnavailableError, openDatabase, type DatabaseHandle, type DatabaseTarget } from "./db/database.ts";
import { applyMigrations, databaseIsReady, readMigrations } from "./db/migrations.ts";
import { createStore, type Store } from "./db/store.ts";
import { systemClock, type Clock } from "./services/clock.ts";
import { Scheduler } from "./scheduler/scheduler.ts";
import { createSlackApp } from "./slack/app.ts";
import { LogLevel } from "@slack/bolt";
import { RedactingLogger, secretsOf } from "./logging/redacting-logger.ts";

export class StartupError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

/** What is missing from the environment to run the bot, each with where to find it. */
export function missingCredentials(env: Env): string[] {
  const missing: string[] = [];
  if (!env.SLACK_BOT_TOKEN) {
    missing.push("SLACK_BOT_TOKEN: the Bot User OAuth Token (xoxb-…), at api.slack.com/apps > your app > OAuth & Permissions");
  }
  if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
    missing.push(
      "SLACK_SIGNING_SECRET: at api.slack.com/apps > your app > Basic Information > App Credentials " +
        "(or set SLACK_APP_TOKEN, an app-level token xapp-… with connections:write, for Socket Mode)",
    );
  }
  return missing;
}

const REFUSED_TOKEN = new Set(["invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"]);

/** Why Slack could not be used, in one line: not reached at all, the token refused, or something else it said. */
export function describeSlackFailure(error: unknown, apiUrl: string): string {
  const e = error as { code?: string; data?: { error?: string }; statusCode?: number; original?: { message?: string; cause?: { code?: string } } };
  if (e.code === "slack_webapi_platform_error" && e.data?.error) {
    return REFUSED_TOKEN.has(e.data.error)
      ? `Slack at ${apiUrl} refused the bot token (${e.data.error}): copy the Bot User OAuth Token (xoxb-…) again from api.slack.com/apps > your app > OAuth & Permissions`
      : `Slack at ${apiUrl} answered ${e.data.error} to auth.test`;
  }
  if (e.code === "slack_webapi_http_error") return `Slack at ${apiUrl} answered HTTP ${e.statusCode ?? "?"}: is SLACK_API_URL right?`;
  if (e.code === "slack_webapi_request_error") {
    // The system's own code (ECONNREFUSED, ENOTFOUND…) sits somewhere down the chain of causes.
    let reason = e.original?.message ?? "no answer";
    for (let cause: unknown = e.original; cause && typeof cause === "object"; cause = (cause as { cause?: unknown }).cause) {
      const code = (cause as { code?: unknown }).code;
      if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) reason = code;
      else if (cause !== e.original && cause instanceof Error) reason = cause.message;
    }
    return `Slack could not be reached at ${apiUrl} (${reason}): check the network, a proxy, or SLACK_API_URL`;
  }
  return `Slack at ${apiUrl} could not be used: ${error instanceof Error ? error.message : String(error)}`;
}

export interface RunningBot {
  stop(): Promise<void>;
  /** HTTP mode: the listening server. */
  server?: Server;
  database: DatabaseHandle;
  /** The data layer on that database, as the services use it. */
  store: Store;
  scheduler: Scheduler;
  clock: Clock;
}

/** What a caller that hosts the bot (the sandbox) chooses instead of the defaults. */
export interface BotOverrides {
  clock?: Clock;
  database?: DatabaseTarget;
  /** Where HTTP mode listens (default: every interface, on PORT; port 0 picks a free one). */
  host?: string;
  port?: number;
}

/**
 * Starts Offboard: checks credentials and the policy, opens the database and
 * applies pending migrations, then starts the Slack app.
 */
export async function startBot(env: Env, cwd: string, log: (line: string) => void, rawEnv: NodeJS.ProcessEnv = process.env, overrides: BotOverrides = {}): Promise<RunningBot> {
  const clock = overrides.clock ?? systemClock;
  const missing = missingCredentials(env);
  if (missing.length) throw new StartupError(`cannot start: missing ${missing.length === 1 ? "setting" : "settings"}:\n  ${missing.join("\n  ")}`, 2);
  const policy = await startupPolicy(resolve(cwd, env.OFFBOARD_POLICY));
  const verified = await verifySlack(env);
  const connectorSecret = startupConnectorSecret(policy, rawEnv);
  // Every log line goes through it: no token or secret ever reaches a log.
  const logger = new RedactingLogger(secretsOf(env, connectorSecret ? [connectorSecret] : []), env.LOG_LEVEL as LogLevel);
  const target = overrides.database ?? databaseTarget(env, cwd);
  const db = await openDatabase(target);
  try {
    await prepareDatabase(db, target, log);
    const migrations = (await readMigrations()).migrationDirectories.map((m) => m.path);
    const store = createStore(db.prisma);
    const sorConfig = policy.systemOfRecord;
    let scheduler: Scheduler | undefined;
    const slack = createSlackApp({
      botToken: env.SLACK_BOT_TOKEN!,
      ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : { signingSecret: env.SLACK_SIGNING_SECRET! }),
      apiUrl: env.SLACK_API_URL,
      verified,
      policy,
      services: {
        store,
        clock,
        policy,
        sor:
          sorConfig.type === "http"
            ? new HttpSystemOfRecord(db.prisma, { baseUrl: sorConfig.baseUrl, secret: connectorSecret!, timeoutMs: sorConfig.timeoutMs, retries: sorConfig.retries })
            : new Ledger(db.prisma),
      },
      logger,
      logLevel: env.LOG_LEVEL as LogLevel,
      health: { ready: async () => (scheduler?.isRunning() ?? false) && (await databaseIsReady(db.prisma, migrations)) },
      healthPort: overrides.port ?? env.PORT,
    });
    try {
      await slack.app.init();
    } catch (error) {
      throw new StartupError(`cannot start: ${describeSlackFailure(error, env.SLACK_API_URL)}`, 2);
    }
    scheduler = new Scheduler({
      jobs: store.jobs,
      clock,
      handlers: slack.jobHandlers,
      batchHandlers: slack.batchHandlers,
      onFailed: slack.onJobFailed,
      // Requests whose change was committed but never shown (the process died in between).
      sweeps: [() => slack.deps.publisher.sweep()],
      pollMs: env.SCHEDULER_POLL_MS,
      log: (message, error) => slack.app.logger.warn(message, error ?? ""),
    });
    const started = (await slack.app.start(overrides.host ? { port: overrides.port ?? env.PORT, host: overrides.host } : (overrides.port ?? env.PORT))) as unknown;
    scheduler.start();
    const server = env.SLACK_APP_TOKEN ? undefined : (started as Server);
    if (server) {
      // Idle connections outlive a load balancer's (so it never reuses one the bot just closed); headers get longer still.
      server.keepAliveTimeout = env.HTTP_KEEP_ALIVE_TIMEOUT * 1000;
      server.headersTimeout = server.keepAliveTimeout + 5_000;
    }
    log(env.SLACK_APP_TOKEN ? "Offboard is running in Socket Mode" : `Offboard is listening on port ${(server?.address() as { port: number } | null)?.port ?? env.PORT} (POST /slack/events)`);
    let stopping: Promise<void> | undefined;
    return {
      ...(server ? { server } : {}),
      database: db,
      store,
      scheduler,
      clock,
      stop: () =>
        (stopping ??= (async () => {
          // Take no new requests, let running listeners finish, then close the database.
          const closing = slack.app.stop();
          server?.closeIdleConnections();
          await closing;
          await scheduler.stop();
          await slack.drain();
          await db.close();
        })()),
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** The policy file, or the reason the bot cannot start with it (exit 1). */
async function startupPolicy(path: string): Promise<Policy> {
  const loaded = await loadPolicyFile(path);
  if (loaded.ok) return loaded.policy;
  throw new StartupError(
    loaded.failure === "invalid" ? `cannot start: the policy file is invalid\n${formatProblems(path, loaded.problems)}` : `cannot start: ${describePolicyFailure(path, loaded)}`,
    1,
  );
}

/** Asked once, quickly: the Web API client's own retries would keep a wrong address or token waiting for half an hour. */
async function verifySlack(env: Env): Promise<{ botId: string; botUserId: string }> {
  try {
    const auth = await new WebClient(env.SLACK_BOT_TOKEN, { slackApiUrl: env.SLACK_API_URL, retryConfig: { retries: 0 }, timeout: 10_000, logLevel: LogLevel.ERROR }).auth.test();
    return { botId: auth.bot_id ?? "", botUserId: auth.user_id ?? "" };
  } catch (error) {
    throw new StartupError(`cannot start: ${describeSlackFailure(error, env.SLACK_API_URL)}`, 2);
  }
}

/** The HTTP connector's shared secret, named by the policy and read from the environment (none for the ledger). */
function startupConnectorSecret(policy: Policy, rawEnv: NodeJS.ProcessEnv): string | undefined {
  const config = policy.systemOfRecord;
  if (config.type !== "http") return undefined;
  const secret = rawEnv[config.secretEnv];
  if (!secret || secret.length < MIN_SECRET_LENGTH) {
    throw new StartupError(`cannot start: the policy's system_of_record needs its shared secret in ${config.secretEnv} (at least ${MIN_SECRET_LENGTH} characters), the same one the system at ${config.baseUrl} checks signatures with`, 2);
  }
  return secret;
}

/** The database answers, and its migrations are applied (said when any were). */
async function prepareDatabase(db: DatabaseHandle, target: DatabaseTarget, log: (line: string) => void): Promise<void> {
  try {
    await checkDatabase(db, target);
  } catch (error) {
    throw error instanceof DatabaseUnavailableError ? new StartupError(`cannot start: ${error.message}`, 1) : error;
  }
  const applied = await applyMigrations(db);
  if (applied.length) log(`applied ${applied.length} migration(s): ${applied.join(", ")}`);
}
