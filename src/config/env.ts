import { resolve } from "node:path";
import { z } from "zod";

/** Unset and empty (`FOO=` in a .env file) mean the same. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

const envSchema = z.object({
  // Secrets have exact shapes, checked here so that logs can be redacted safely (logging/redacting-logger.ts):
  // tokens are recognised by their shape wherever they appear, the signing secret by its value, which is
  // then long enough never to be a word of a message.
  SLACK_BOT_TOKEN: optional(
    z.string().regex(/^xoxb-[A-Za-z0-9-]+$/, "the bot token is xoxb- followed by letters, digits and dashes: copy the Bot User OAuth Token from OAuth & Permissions"),
  ),
  SLACK_SIGNING_SECRET: optional(
    z.string().regex(/^[0-9a-f]{32}$/, "the signing secret is 32 hexadecimal characters (0-9, a-f): copy it from Basic Information > App Credentials > Signing Secret"),
  ),
  SLACK_APP_TOKEN: optional(
    z.string().regex(/^xapp-[A-Za-z0-9-]+$/, "the app-level token is xapp- followed by letters, digits and dashes: generate one under Basic Information > App-Level Tokens"),
  ),
  SLACK_API_URL: optional(z.url({ protocol: /^https?$/, error: "a URL such as https://slack.com/api/" })).transform((u) => u ?? "https://slack.com/api/"),
  PORT: optional(z.coerce.number().int().min(1).max(65535)).transform((p) => p ?? 3000),
  DATABASE_URL: optional(z.string().regex(/^postgres(ql)?:\/\/.+/, "a postgres:// or postgresql:// URL (leave unset for the embedded database)")),
  OFFBOARD_POLICY: optional(z.string()).transform((p) => p ?? "./offboard.policy.yml"),
  OFFBOARD_DATA_DIR: optional(z.string()).transform((p) => p ?? "./data"),
  LOG_LEVEL: optional(z.enum(["debug", "info", "warn", "error"], "one of debug, info, warn, error")).transform((l) => l ?? "info"),
  // Longer than a load balancer's idle timeout (60 s on the usual ones), or it gets intermittent 502s.
  HTTP_KEEP_ALIVE_TIMEOUT: optional(z.coerce.number("a number of seconds, such as 65").int("whole seconds").min(1, "at least 1 second").max(3600, "at most 3600 seconds")).transform((s) => s ?? 65),
  SCHEDULER_POLL_MS: optional(z.coerce.number().int().min(100).max(3_600_000)).transform((p) => p ?? 5000),
});

export type Env = z.infer<typeof envSchema>;

export type EnvLoad = { ok: true; env: Env } | { ok: false; problems: string[] };

export function loadEnv(source: NodeJS.ProcessEnv = process.env): EnvLoad {
  const result = envSchema.safeParse(source);
  if (result.success) return { ok: true, env: result.data };
  return { ok: false, problems: result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
}

/** Where the data lives: PostgreSQL when DATABASE_URL is set, else the embedded database under OFFBOARD_DATA_DIR (./data/). */
/** Which database to open: PostgreSQL by URL, or the embedded one (dataDir undefined: in memory, for tests and one-off tools). */
export type DatabaseTarget = { kind: "postgres"; url: string } | { kind: "embedded"; dataDir?: string };

export function databaseTarget(env: Pick<Env, "DATABASE_URL" | "OFFBOARD_DATA_DIR">, cwd = process.cwd()): DatabaseTarget {
  return env.DATABASE_URL ? { kind: "postgres", url: env.DATABASE_URL } : { kind: "embedded", dataDir: resolve(cwd, env.OFFBOARD_DATA_DIR ?? "./data") };
}
