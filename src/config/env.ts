import { z } from "zod";
import type { DatabaseTarget } from "../db/database.ts";

/** Unset and empty (`FOO=` in a .env file) mean the same. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

const envSchema = z.object({
  SLACK_BOT_TOKEN: optional(z.string().startsWith("xoxb-", "a bot token starts with xoxb-")),
  SLACK_SIGNING_SECRET: optional(z.string().regex(/^[0-9a-f]{16,}$/i, "the signing secret is a hexadecimal string")),
  SLACK_APP_TOKEN: optional(z.string().startsWith("xapp-", "an app-level token starts with xapp-")),
  SLACK_API_URL: optional(z.url({ protocol: /^https?$/, error: "a URL such as https://slack.com/api/" })).transform((u) => u ?? "https://slack.com/api/"),
  PORT: optional(z.coerce.number().int().min(1).max(65535)).transform((p) => p ?? 3000),
  DATABASE_URL: optional(z.string().regex(/^postgres(ql)?:\/\/.+/, "a postgres:// or postgresql:// URL (leave unset for the embedded database)")),
  OFFBOARD_POLICY: optional(z.string()).transform((p) => p ?? "./offboard.policy.yml"),
  LOG_LEVEL: optional(z.enum(["debug", "info", "warn", "error"], "one of debug, info, warn, error")).transform((l) => l ?? "info"),
  SCHEDULER_POLL_MS: optional(z.coerce.number().int().min(100).max(3_600_000)).transform((p) => p ?? 5000),
});

export type Env = z.infer<typeof envSchema>;

export type EnvLoad = { ok: true; env: Env } | { ok: false; problems: string[] };

export function loadEnv(source: NodeJS.ProcessEnv = process.env): EnvLoad {
  const result = envSchema.safeParse(source);
  if (result.success) return { ok: true, env: result.data };
  return { ok: false, problems: result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
}

/** Where the data lives: PostgreSQL when DATABASE_URL is set, else the embedded database under ./data/. */
export function databaseTarget(env: Pick<Env, "DATABASE_URL">, cwd = process.cwd()): DatabaseTarget {
  return env.DATABASE_URL ? { kind: "postgres", url: env.DATABASE_URL } : { kind: "embedded", dataDir: `${cwd}/data` };
}
