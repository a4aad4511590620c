import { App, HTTPModuleFunctions, HTTPReceiver, LogLevel, type Logger, type ReceiverProcessEventErrorHandlerArgs } from "@slack/bolt";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { t } from "./i18n/catalog.ts";
import type { RetryOptions } from "@slack/web-api";
import type { Policy } from "../domain/policy.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { SlackDeps } from "./context.ts";
import { registerListeners } from "./listeners/index.ts";
import { People } from "./people.ts";
import { Publisher } from "./publisher.ts";
import { batchHandlers, jobHandlers, reportFailedJob } from "./jobs.ts";
import type { BatchJobHandler, ClaimedJob, JobHandler } from "../scheduler/jobs.ts";

export interface SlackAppOptions {
  botToken: string;
  /** HTTP mode. */
  signingSecret?: string;
  /** Socket Mode when set. */
  appToken?: string;
  apiUrl: string;
  policy: Policy;
  /** Services without an approver directory: Slack provides it (user groups). */
  services: Omit<ServiceDeps, "approvers">;
  logger?: Logger;
  logLevel?: LogLevel;
  retryConfig?: RetryOptions;
  /** Answers GET /healthz and /readyz for orchestrators (in Socket Mode, on `healthPort`). */
  health?: { ready(): Promise<boolean> };
  healthPort?: number;
  /** The bot's identity, when the token was already checked: Bolt need not ask auth.test again. */
  verified?: { botId: string; botUserId: string };
}

export interface SlackApp {
  app: App;
  deps: SlackDeps;
  /** What the scheduler runs for Slack, per job kind (jobs.ts: reminders, publications, deletions, scheduled executions)… */
  jobHandlers: Record<string, JobHandler>;
  /** Kinds handled together when several fall due at once (the reminders digest). */
  batchHandlers: Record<string, BatchJobHandler>;
  /** …and how a job that failed for good is made visible. */
  onJobFailed: (job: ClaimedJob, error: string) => Promise<void>;
  /** Resolves when every listener that has started has finished. */
  drain(): Promise<void>;
}

/**
 * A few quick retries, then the call fails: what must reach Slack is retried
 * by a durable job (publisher.ts), so nothing waits for the Web API client's
 * default half hour of retries, and a stop is never held up by it.
 */
const SLACK_RETRIES: RetryOptions = { retries: 4, factor: 2, minTimeout: 500, maxTimeout: 8_000, randomize: true };
const SLACK_TIMEOUT_MS = 15_000;

/** The Bolt app with Offboard's listeners. Call `app.init()` (it verifies the token), then `app.start()`. */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const logLevel = options.logLevel ?? LogLevel.INFO;
  const app = new OffboardApp({
    token: options.botToken,
    ...(options.appToken
      ? { appToken: options.appToken, socketMode: true, ...(options.health ? { customRoutes: healthRoutes(options.health), installerOptions: { port: options.healthPort ?? 3000 } } : {}) }
      : {
          receiver: new HTTPReceiver({
            signingSecret: options.signingSecret!,
            ...(options.health ? { customRoutes: healthRoutes(options.health) } : {}),
            ...(options.logger ? { logger: options.logger } : {}),
            logLevel,
            processEventErrorHandler: refuseMalformedEnvelope,
          }),
        }),
    clientOptions: { slackApiUrl: options.apiUrl, retryConfig: options.retryConfig ?? SLACK_RETRIES, timeout: SLACK_TIMEOUT_MS },
    deferInitialization: true,
    ...(options.verified ? { tokenVerificationEnabled: false, botId: options.verified.botId, botUserId: options.verified.botUserId } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    logLevel,
  });
  const log = (message: string, error?: unknown) => app.logger.error(message, error ?? "");
  const people = new People(app.client, options.policy, Date.now, log);
  const services: ServiceDeps = { ...options.services, approvers: people };
  const publisher = new Publisher(services.store, services.clock, app.client, options.policy, people, log);
  const deps: SlackDeps = { services, people, publisher, policy: options.policy, log };

  // Track listeners still running after their ack, so a shutdown can let them finish.
  const running = new Set<Promise<unknown>>();
  app.use(async ({ next, body }) => {
    // Tracked as a whole (listener and failure report), so draining waits for all of it.
    const work = (async () => {
      try {
        await next();
      } catch (error) {
        // Nothing was half-done (every change is one transaction), but the person must hear that it failed.
        log("a Slack listener failed", error);
        await tellUnexpected(deps, body).catch((e: unknown) => log("could not tell the user about a failure", e));
      }
    })();
    running.add(work);
    try {
      await work;
    } finally {
      running.delete(work);
    }
  });
  // Slack sends an event again when it thinks the first was lost (x-slack-retry-num):
  // whichever process inserts its id first handles it, the others drop it.
  app.use(async ({ next, body, ack }) => {
    const event = eventCallback.safeParse(body);
    if (event.success && !(await takeEvent(services, event.data.event_id, event.data.event.type))) {
      app.logger.debug(`event ${event.data.event_id} was already taken; ignored`);
      if (ack) await ack();
      return;
    }
    await next();
  });
  registerListeners(app, deps);
  app.error(async (error) => {
    app.logger.error("unhandled error in a Slack listener", error);
  });

  return {
    app,
    deps,
    jobHandlers: jobHandlers(deps),
    onJobFailed: reportFailedJob(deps),
    batchHandlers: batchHandlers(deps),
    drain: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

/**
 * Unauthenticated and revealing nothing but up or not: /healthz says the
 * process answers, /readyz that the database is reachable and migrated and
 * the scheduler runs.
 */
function healthRoutes(health: { ready(): Promise<boolean> }) {
  const answer = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
    res.end(text);
  };
  return [
    { path: "/healthz", method: ["GET", "HEAD"], handler: (_req: IncomingMessage, res: ServerResponse) => answer(res, 200, "ok\n") },
    {
      path: "/readyz",
      method: ["GET", "HEAD"],
      handler: (_req: IncomingMessage, res: ServerResponse) =>
        void health.ready().then(
          (ready) => answer(res, ready ? 200 : 503, ready ? "ready\n" : "not ready\n"),
          () => answer(res, 503, "not ready\n"),
        ),
    },
  ];
}

/**
 * The least a signed body must hold for Bolt to read it. Slack never sends
 * less; a forger might, and Bolt would fail on it (or wait for a listener that
 * never comes) before any of Offboard's code runs.
 */
const viewTypes = new Set(["view_submission", "view_closed"]);
const envelope = z.union([
  z.object({ command: z.string(), user_id: z.string() }),
  z.object({ type: z.literal("event_callback"), event: z.object({ type: z.string() }) }),
  z.object({ type: z.string(), user: z.object({ id: z.string() }), view: z.object({}).loose().optional() }).refine((b) => !viewTypes.has(b.type) || b.view !== undefined),
]);

class MalformedPayload extends Error {}

/** Bolt's App, refusing bodies Slack would never send before Bolt reads them. */
class OffboardApp extends App {
  override async processEvent(event: Parameters<App["processEvent"]>[0]): Promise<void> {
    if (!envelope.safeParse(event.body).success) throw new MalformedPayload("a signed request whose payload Slack would never send");
    return super.processEvent(event);
  }
}

/** A body Slack would never send is the sender's fault (400); any other failure is ours (500, and Slack retries). */
async function refuseMalformedEnvelope(args: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> {
  if (args.error instanceof MalformedPayload && !args.response.headersSent) {
    args.logger.warn(`refused ${args.error.message} (400)`);
    args.response.writeHead(400);
    args.response.end();
    return true;
  }
  return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
}

const eventCallback = z.object({ type: z.literal("event_callback"), event_id: z.string().min(1).max(128), event: z.object({ type: z.string().max(128) }) });

/** True the first time an event id is seen, by any process sharing the database. */
function takeEvent(services: ServiceDeps, eventId: string, type: string): Promise<boolean> {
  return services.store.slackEvents.take(eventId, type);
}

/** Commands and button clicks carry who acted and where to answer them; events and form submissions do not. */
const answerable = z.object({
  response_url: z.url(),
  user_id: z.string().optional(),
  user: z.object({ id: z.string() }).optional(),
});

/** "Something went wrong on our side and nothing was changed", privately, in the person's language. */
async function tellUnexpected(deps: SlackDeps, body: unknown): Promise<void> {
  const parsed = answerable.safeParse(body);
  if (!parsed.success) return;
  const userId = parsed.data.user_id ?? parsed.data.user?.id;
  const language = userId ? await deps.people.languageOf(userId) : deps.policy.language;
  const response = await fetch(parsed.data.response_url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ response_type: "ephemeral", replace_original: false, text: t(language, "error.unexpected") }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`response_url answered ${response.status}`);
}
