import type { Command } from "commander";
import { startBot } from "../main.ts";
import { startSandbox } from "../sandbox/index.ts";
import { environment, lineWriter, runUntilSignalled, sandboxBanner, type CliIo } from "./shared.ts";

// `offboard start`: the bot, or the sandbox when no Slack setting is given (outside production).

export function addStartCommand(program: Command, io: CliIo): void {
  const out = lineWriter(io);
  program
    .command("start")
    .description("run the Slack bot (applies pending migrations first); with no Slack settings, the sandbox; stops cleanly on SIGTERM or Ctrl-C")
    .action(async () => {
      const env = environment(io);
      if (!env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN && io.env.NODE_ENV !== "production") {
        return runUntilSignalled(out, () => startSandbox({ cwd: io.cwd, port: env.PORT, env: io.env, log: out }), (sandbox) => out(sandboxBanner(sandbox.url)));
      }
      return runUntilSignalled(out, () => startBot(env, io.cwd, out, io.env));
    });
}
