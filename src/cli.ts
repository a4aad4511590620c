import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { redact, secretsOf } from "./logging/redacting-logger.ts";
import { addAuditCommands } from "./cli/audit.ts";
import { addClientViews } from "./cli/clients.ts";
import { addConnectorCommands } from "./cli/connector-check.ts";
import { addImportCommands } from "./cli/imports.ts";
import { addMigrateCommand } from "./cli/migrate.ts";
import { addPolicyCheckCommand } from "./cli/policy-check.ts";
import { addSandboxCommand } from "./cli/sandbox.ts";
import { CliFailure, commandDeps, type CliIo } from "./cli/shared.ts";
import { addStartCommand } from "./cli/start.ts";
import { addTimelineCommand } from "./cli/timeline.ts";

// The `offboard` command line: one file per command under src/cli/, the shared parts in src/cli/shared.ts.

export type { CliIo } from "./cli/shared.ts";

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for and the version are successes; everything commander refuses is a usage error,
      // and so is no command at all (commander then prints the usage to stderr with a non-zero code).
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
      return error.code === "commander.help" && error.exitCode === 0 ? 0 : 2;
    }
    // Whatever failed, its message may quote a URL or a header: secrets are removed first.
    const secrets = secretsOf(io.env);
    if (error instanceof CliFailure) {
      io.stderr.write(`offboard: ${redact(error.message, secrets)}\n`);
      return error.exitCode;
    }
    io.stderr.write(`offboard: ${redact(error instanceof Error ? error.message : String(error), secrets)}\n`);
    return 1;
  }
}

/** package.json's version: next to src/ when run from source, next to dist/ when built. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

/** Every command, in the order `offboard --help` lists them. */
function buildProgram(io: CliIo): Command {
  const program = new Command("offboard")
    .description("Runs customer deactivations by the book. See README.md.")
    .version(packageVersion(), "-V, --version", "print the version")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError("(run `offboard --help` for usage)");

  addStartCommand(program, io);
  addSandboxCommand(program, io);
  addMigrateCommand(program, io);

  const policy = program.command("policy").description("check the policy file");
  addPolicyCheckCommand(policy, io);
  addTimelineCommand(policy, io);

  const groups = addImportCommands(program, io);
  // `clients list` and `clients show` (src/cli/clients.ts) join `clients import` in its group.
  addClientViews(groups.clients!, io, commandDeps(io));

  addConnectorCommands(program, io, commandDeps(io));
  addAuditCommands(program, io);

  return program;
}
