import { App, LogLevel, type Logger } from "@slack/bolt";
import type { RetryOptions } from "@slack/web-api";
import type { Policy } from "../domain/policy.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { SlackDeps } from "./context.ts";
import { registerListeners } from "./listeners/index.ts";
import { People } from "./people.ts";
import { Publisher } from "./publisher.ts";
import { batchHandlers, jobHandlers, reportFailedJob } from "./reminders.ts";
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
}

export interface SlackApp {
  app: App;
  deps: SlackDeps;
  /** What the scheduler runs for Slack (reminders, scheduled executions)… */
  jobHandlers: Record<string, JobHandler>;
  /** Kinds handled together when several fall due at once (the reminders digest). */
  batchHandlers: Record<string, BatchJobHandler>;
  /** …and how a job that failed for good is made visible. */
  onJobFailed: (job: ClaimedJob, error: string) => Promise<void>;
  /** Resolves when every listener that has started has finished. */
  drain(): Promise<void>;
}

/** The Bolt app with Offboard's listeners. Call `app.init()` (it verifies the token), then `app.start()`. */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const app = new App({
    token: options.botToken,
    ...(options.appToken ? { appToken: options.appToken, socketMode: true } : { signingSecret: options.signingSecret! }),
    clientOptions: { slackApiUrl: options.apiUrl, ...(options.retryConfig ? { retryConfig: options.retryConfig } : {}) },
    deferInitialization: true,
    ...(options.logger ? { logger: options.logger } : {}),
    logLevel: options.logLevel ?? LogLevel.INFO,
  });
  const log = (message: string, error?: unknown) => app.logger.error(message, error ?? "");
  const people = new People(app.client, options.policy, Date.now, log);
  const services: ServiceDeps = { ...options.services, approvers: people };
  const publisher = new Publisher(services.db, services.clock, app.client, options.policy, people, log);
  const deps: SlackDeps = { services, people, publisher, policy: options.policy, log };

  // Track listeners still running after their ack, so a shutdown can let them finish.
  const running = new Set<Promise<unknown>>();
  app.use(async ({ next }) => {
    const work = next();
    running.add(work);
    try {
      await work;
    } finally {
      running.delete(work);
    }
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
