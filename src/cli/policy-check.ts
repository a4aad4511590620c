import { resolve } from "node:path";
import type { Command } from "commander";
import { describePolicyFailure, loadPolicyFile } from "../config/policy-file.ts";
import { MIN_SECRET_LENGTH } from "../connectors/http.ts";
import { CliFailure, environment, lineWriter, type CliIo } from "./shared.ts";

// `offboard policy check [FILE]`: every problem of a policy file, with its key path and line.

/** Adds `check` to the `policy` command group. */
export function addPolicyCheckCommand(policy: Command, io: CliIo): void {
  const out = lineWriter(io);
  policy
    .command("check")
    .description("validate a policy file; lists every problem with its key path and line")
    .argument("[file]", "the policy file (default: OFFBOARD_POLICY or ./offboard.policy.yml)")
    .action(async (file: string | undefined) => {
      const path = resolve(io.cwd, file ?? environment(io).OFFBOARD_POLICY);
      const load = await loadPolicyFile(path);
      if (!load.ok) throw new CliFailure(describePolicyFailure(path, load));
      const kinds = Object.keys(load.policy.kinds);
      out(`${path}: valid — ${kinds.length} kind(s): ${kinds.join(", ")}; time zone ${load.policy.timezone}; language ${load.policy.language}`);
      // A warning, not a problem: the file may be checked on another machine than the one that runs the bot.
      const sor = load.policy.systemOfRecord;
      if (sor.type === "http") {
        const secret = io.env[sor.secretEnv];
        if (!secret) io.stderr.write(`offboard: warning: ${sor.secretEnv} is not set here; \`offboard start\` with this policy needs it (the shared secret for ${sor.baseUrl}, at least ${MIN_SECRET_LENGTH} characters)\n`);
        else if (secret.length < MIN_SECRET_LENGTH) io.stderr.write(`offboard: warning: ${sor.secretEnv} is shorter than ${MIN_SECRET_LENGTH} characters; \`offboard start\` with this policy refuses it\n`);
      }
    });
}
