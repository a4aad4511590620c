import { formatWithOptions } from "node:util";
import { LogLevel } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redact, RedactingLogger, secretsOf } from "../../src/logging/redacting-logger.ts";
import { Ids } from "../../src/slack/ids.ts";
import { createClient } from "../support/ledger-data.ts";
import { MANAGER_A, REQUESTER, testPolicy } from "../support/policy.ts";
import { SIGNING_SECRET, TestBot } from "../support/slack-bot.ts";

describe("redact", () => {
  it.each([
    ["a bot token anywhere", "calling with xoxb-1234-5678-abcdef now", "calling with xox…[redacted] now"],
    ["a user token", "token xoxp-99-88-aa", "token xox…[redacted]"],
    ["an app-level token", "socket xapp-1-A0-123-abc", "socket xapp-…[redacted]"],
    ["an Authorization header", `{ Authorization: 'Bearer abc.def' }`, `{ Authorization: 'Bearer [redacted]' }`],
    ["a database password", "connect postgres://offboard:s3cr%40t@db:5432/x failed", "connect postgres://offboard:[redacted]@db:5432/x failed"],
    ["a token in a query string", "GET /api/x?token=abc123&y=1", "GET /api/x?token=[redacted]&y=1"],
    ["a request signature", "x-slack-signature: v0=a1b2c3d4e5f60718293a4b5c6d7e8f90", "x-slack-signature: v0=[redacted]"],
    ["nothing secret", "request #42 approved by U0MANAGER", "request #42 approved by U0MANAGER"],
  ])("%s", (_name, input, output) => {
    expect(redact(input)).toBe(output);
  });

  it("removes known secret values whatever their shape, longest first", () => {
    expect(redact("secret 0123456789abcdef and 0123456789abcdef0000", ["0123456789abcdef", "0123456789abcdef0000"])).toBe("secret [redacted] and [redacted]");
    expect(secretsOf({ SLACK_SIGNING_SECRET: "feedfacefeedface", DATABASE_URL: "postgresql://u:p%40ssword@h/db" })).toEqual(["feedfacefeedface", "p@ssword"]);
  });

  it("never rewrites words of a message: values too short to be told from words are left to the shapes", () => {
    expect(redact("the signing secret is not 32 hexadecimal characters", ["secret"])).toBe("the signing secret is not 32 hexadecimal characters");
    const secrets = secretsOf({ SLACK_SIGNING_SECRET: "secret", DATABASE_URL: "postgres://postgres:postgres@db:5432/offboard" });
    expect(redact("cannot reach postgres at postgres://postgres:postgres@db:5432/offboard", secrets)).toBe("cannot reach postgres at postgres://postgres:[redacted]@db:5432/offboard");
    // 16 characters and more are redacted wherever they appear.
    expect(redact("secret=abcdefabcdefabcd, again abcdefabcdefabcd", ["abcdefabcdefabcd"])).toBe("secret=[redacted], again [redacted]");
  });

  it("an error logged whole, with the request it failed on, loses its headers' secrets", () => {
    const error = Object.assign(new Error("fetch failed"), {
      request: { url: "https://slack.com/api/chat.postMessage", headers: { authorization: "Bearer xoxb-live-secret-token" } },
      database: "postgresql://offboard:hunter2@db.internal/offboard",
    });
    const lines: string[] = [];
    new RedactingLogger([], LogLevel.DEBUG, (l) => lines.push(l)).error("publish failed", error);
    const log = lines.join("");
    expect(formatWithOptions({ depth: 6 }, error)).toContain("xoxb-live-secret-token");
    expect(log).toMatch(/^\[ERROR\] offboard publish failed Error: fetch failed/);
    expect(log).toContain("chat.postMessage");
    expect(log).not.toContain("live-secret");
    expect(log).not.toContain("hunter2");
  });
});

describe("the bot's own logs, at debug level, through failures", () => {
  const lines: string[] = [];
  const bot = new TestBot(testPolicy({ language: "en" }));
  bot.logger = new RedactingLogger([SIGNING_SECRET, "xoxb-test-token"], LogLevel.DEBUG, (l) => lines.push(l));
  beforeAll(() => bot.start());
  afterAll(() => bot.stop());

  it("never hold the bot token or the signing secret", async () => {
    const client = await createClient(bot.db, { name: "Loggy" });
    bot.fake.failing.set("chat.postMessage", 2);
    const request = await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Closing", requestedOn: "2026-08-09" });
    await bot.click(MANAGER_A, Ids.action.approve, request.id);
    await bot.click(MANAGER_A, Ids.action.approve, "not-a-uuid");
    await bot.send("payload=%7Bbroken", { secret: "0000" });
    const log = lines.join("");
    expect(log).toMatch(/publishing request .* failed; it will be retried/);
    expect(log).toMatch(/\[DEBUG\]/);
    expect(log).not.toContain("xoxb-test-token");
    expect(log).not.toContain(SIGNING_SECRET);
  });
});
