import { formatWithOptions } from "node:util";
import { LogLevel, type Logger } from "@slack/bolt";

/**
 * Shapes of secrets, whatever their value: Slack tokens, bearer headers,
 * passwords in database URLs, `token=` in query strings, HMAC signatures.
 */
const PATTERNS: [RegExp, string][] = [
  [/\bxox[a-z]-[A-Za-z0-9-]+/g, "xox…[redacted]"],
  [/\bxapp-[A-Za-z0-9-]+/g, "xapp-…[redacted]"],
  [/(\bBearer\s+)[^\s'",}]+/gi, "$1[redacted]"],
  [/(\bpostgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]+@/gi, "$1[redacted]@"],
  [/([?&](?:token|secret|password)=)[^&\s'"]+/gi, "$1[redacted]"],
  [/(\bv0=)[0-9a-f]{16,}/gi, "$1[redacted]"],
];

/**
 * Values shorter than this are never replaced by value: a short "secret" (`secret`, a database
 * password `postgres`) is also a word, and replacing it would rewrite messages ("the signing
 * [redacted] is…"). Settings that are secrets are refused when shorter (config/env.ts: the signing
 * secret is 32 characters; the HTTP connector's secret at least 16); tokens and passwords in URLs are
 * found by their shape whatever their length.
 */
export const MIN_REDACTED_LENGTH = 16;

/** Removes every secret it knows of, by value (if long enough to be no word) and by shape. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so a secret containing another is removed whole.
  for (const secret of [...secrets].filter((s) => s.length >= MIN_REDACTED_LENGTH).sort((a, b) => b.length - a.length)) out = out.split(secret).join("[redacted]");
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const ORDER: Record<LogLevel, number> = { [LogLevel.DEBUG]: 0, [LogLevel.INFO]: 1, [LogLevel.WARN]: 2, [LogLevel.ERROR]: 3 };

/**
 * Bolt's logger, for every line Offboard and its libraries write: each line
 * is formatted first (objects and errors included, a few levels deep) and
 * redacted before it leaves the process, so no token or secret reaches a log.
 */
export class RedactingLogger implements Logger {
  private level: LogLevel;
  private name = "offboard";

  constructor(
    private readonly secrets: readonly string[],
    level: LogLevel = LogLevel.INFO,
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {
    this.level = level;
  }

  debug(...msg: unknown[]): void {
    this.emit(LogLevel.DEBUG, msg);
  }
  info(...msg: unknown[]): void {
    this.emit(LogLevel.INFO, msg);
  }
  warn(...msg: unknown[]): void {
    this.emit(LogLevel.WARN, msg);
  }
  error(...msg: unknown[]): void {
    this.emit(LogLevel.ERROR, msg);
  }
  setLevel(level: LogLevel): void {
    this.level = level;
  }
  getLevel(): LogLevel {
    return this.level;
  }
  setName(name: string): void {
    this.name = name;
  }

  /** A plain line (start-up messages), redacted like the rest. */
  line(text: string): void {
    this.write(`${redact(text, this.secrets)}\n`);
  }

  private emit(level: LogLevel, msg: unknown[]): void {
    if (ORDER[level] < ORDER[this.level]) return;
    const text = formatWithOptions({ depth: 6, colors: false, breakLength: Infinity }, ...msg);
    this.write(`[${level.toUpperCase()}] ${this.name} ${redact(text, this.secrets)}\n`);
  }
}

/** The secrets in an environment, by value (the shapes catch the rest). */
export function secretsOf(env: { SLACK_BOT_TOKEN?: string | undefined; SLACK_APP_TOKEN?: string | undefined; SLACK_SIGNING_SECRET?: string | undefined; DATABASE_URL?: string | undefined }, extra: readonly string[] = []): string[] {
  const secrets = [env.SLACK_BOT_TOKEN, env.SLACK_APP_TOKEN, env.SLACK_SIGNING_SECRET, ...extra].filter((s): s is string => Boolean(s));
  if (env.DATABASE_URL) {
    try {
      const password = decodeURIComponent(new URL(env.DATABASE_URL).password);
      if (password) secrets.push(password);
    } catch {
      // Not a URL: the shape pattern still applies.
    }
  }
  return secrets;
}
