import { describe, expect, it } from "vitest";
import { loadEnv } from "../../src/config/env.ts";

const problemsOf = (env: Record<string, string>) => {
  const load = loadEnv(env);
  return load.ok ? [] : load.problems;
};

const SIGNING = "SLACK_SIGNING_SECRET: the signing secret is 32 hexadecimal characters (0-9, a-f): copy it from Basic Information > App Credentials > Signing Secret";

describe("Slack secrets have Slack's shapes", () => {
  it("a signing secret is exactly 32 lowercase hexadecimal characters, as Slack shows it", () => {
    expect(problemsOf({ SLACK_SIGNING_SECRET: "8f742231b10e8888abcd99ddeeff85a5" })).toEqual([]);
    for (const wrong of ["secret", "8f742231b10e8888", "8f742231b10e8888abcd99ddeeff85a", "8f742231b10e8888abcd99ddeeff85a5a", "8F742231B10E8888ABCD99DDEEFF85A5", "8f742231b10e8888abcd99ddeeff85a5 ", "zf742231b10e8888abcd99ddeeff85a5"]) {
      expect(problemsOf({ SLACK_SIGNING_SECRET: wrong }), wrong).toEqual([SIGNING]);
    }
  });

  it.each([
    ["SLACK_BOT_TOKEN", "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy", ["xoxb-", "xoxp-1-2-abc", "xoxb-1.2", "xoxb-abc def", "Bearer xoxb-1"], /^SLACK_BOT_TOKEN: the bot token is xoxb- followed by letters, digits and dashes: copy the Bot User OAuth Token/],
    ["SLACK_APP_TOKEN", "xapp-1-A0123456789-1234567890123-0123456789abcdef", ["xapp-", "xoxb-1-2-abc", "xapp-1 2"], /^SLACK_APP_TOKEN: the app-level token is xapp- followed by letters, digits and dashes: generate one/],
  ])("%s: its prefix, then only letters, digits and dashes (what the log redactor recognises)", (name, good, wrongs, message) => {
    expect(problemsOf({ [name]: good })).toEqual([]);
    for (const wrong of wrongs) expect(problemsOf({ [name]: wrong }), wrong).toEqual([expect.stringMatching(message)]);
  });
});
