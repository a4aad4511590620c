import { InvalidArgumentError, Option, type Command } from "commander";
import { startSandbox } from "../sandbox/index.ts";
import { CliFailure, lineWriter, runUntilSignalled, sandboxBanner, type CliIo } from "./shared.ts";

// `offboard sandbox`: a local Slack stand-in in the browser, to rehearse a policy.

export function addSandboxCommand(program: Command, io: CliIo): void {
  const out = lineWriter(io);
  program
    .command("sandbox")
    .description("a local Slack workspace in the browser, with a clock, to rehearse a policy (127.0.0.1 only; its own database under ./data/sandbox/)")
    .addOption(new Option("--port <port>", "the page's port").argParser(portNumber).default(3000))
    .option("--policy <file>", "the policy to rehearse (default: ./offboard.policy.yml when present, else offboard.policy.example.yml)")
    .option("--reset", "start from an empty sandbox database (demo clients loaded again)")
    .action(async (options: { port: number; policy?: string; reset?: boolean }) => {
      if (io.env.NODE_ENV === "production") throw new CliFailure("the sandbox does not run with NODE_ENV=production: it is for rehearsals, on 127.0.0.1 only", 2);
      return runUntilSignalled(
        out,
        () => startSandbox({ cwd: io.cwd, port: options.port, env: io.env, log: out, ...(options.policy ? { policy: options.policy } : {}), ...(options.reset ? { reset: true } : {}) }),
        (sandbox) => out(sandboxBanner(sandbox.url)),
      );
    });
}

function portNumber(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new InvalidArgumentError("a port number from 1 to 65535");
  return port;
}
