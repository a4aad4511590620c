import { resolve } from "node:path";
import type { Command } from "commander";
import { describePolicyFailure, formatProblems, loadPolicyFile } from "../config/policy-file.ts";
import { computeTimeline } from "../domain/calendar.ts";
import { labelFor } from "../domain/policy.ts";
import { CliFailure, environment, instantIn, lineWriter, type CliIo } from "./shared.ts";

// `offboard policy timeline`: the dates a request of a kind would get, without a database.

/** Adds `timeline` to the `policy` command group. */
export function addTimelineCommand(policyGroup: Command, io: CliIo): void {
  const out = lineWriter(io);
  policyGroup
    .command("timeline")
    .description("print the dates a request of a kind made at an instant would get (in the policy's time zone)")
    .requiredOption("--kind <kind>", "a kind from the policy")
    .requiredOption("--requested-at <instant>", "ISO 8601 date-time (2026-08-09T10:00:00-03:00), or a date meaning its start in the policy's time zone")
    .option("--json", "print exactly one JSON object")
    .option("--policy <file>", "the policy file (default: OFFBOARD_POLICY or ./offboard.policy.yml)")
    .action(async (options: { kind: string; requestedAt: string; json?: boolean; policy?: string }) => {
      const path = resolve(io.cwd, options.policy ?? environment(io).OFFBOARD_POLICY);
      const load = await loadPolicyFile(path);
      if (!load.ok) throw new CliFailure(load.failure === "invalid" ? `${path}: invalid policy, run \`offboard policy check\`\n${formatProblems(path, load.problems)}` : describePolicyFailure(path, load));
      const policy = load.policy;
      const kind = policy.kinds[options.kind];
      if (!kind) throw new CliFailure(`no kind "${options.kind}" in ${path} (kinds: ${Object.keys(policy.kinds).join(", ")})`, 2);
      const at = instantIn("--requested-at", options.requestedAt, policy.timezone);
      const timeline = computeTimeline(kind.calendar, kind.dunning, policy.timezone, at);
      const dunning = kind.dunning.map((step, i) => ({ id: step.id, label: labelFor(step.label, policy.language), dueOn: timeline.dunning[i]!.dueOn }));
      if (options.json) {
        out(
          JSON.stringify({
            kind: kind.id,
            requestedOn: timeline.requestedOn,
            lastBilledMonth: timeline.lastBilledMonth,
            serviceEndsOn: timeline.serviceEndsOn,
            dataDeletedOn: timeline.dataDeletedOn,
            reactivableUntil: timeline.reactivableUntil,
            dunning,
          }),
        );
        return;
      }
      const rows: [string, string][] = [
        ["kind", `${kind.id} (${labelFor(kind.label, policy.language)})`],
        ["time zone", policy.timezone],
        ["requested on", timeline.requestedOn],
        ["last billed month", timeline.lastBilledMonth ?? "not applicable (no notice rule)"],
        ["service ends on", timeline.serviceEndsOn],
        ["data deleted on", timeline.dataDeletedOn ?? "never"],
        ["reactivable until", timeline.reactivableUntil ?? "no limit"],
      ];
      for (const [name, value] of rows) out(`${name.padEnd(18)} ${value}`);
      if (dunning.length) {
        out("dunning");
        for (const step of dunning) out(`  ${step.dueOn}  ${step.id}  ${step.label}`);
      }
    });
}
