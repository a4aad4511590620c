import { resolve } from "node:path";
import { Command } from "commander";
import type { Env } from "../config/env.ts";
import { describePolicyFailure, loadPolicyFile } from "../config/policy-file.ts";
import { formatResults, runConformance } from "../connectors/conformance.ts";
import { connectorOpenApi } from "../connectors/contract.ts";
import { MIN_SECRET_LENGTH } from "../connectors/http.ts";

// `offboard connector schema` and `offboard connector check`: the HTTP connector's contract, published and checked.

export interface ConnectorIo {
  stdout: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface ConnectorDeps {
  environment(): Env;
  failure(message: string, exitCode?: number): Error;
}

/** The contract document, exactly as committed in docs/connector.openapi.json. */
export function connectorSchemaText(): string {
  return `${JSON.stringify(connectorOpenApi(), null, 2)}\n`;
}

const CHECK_HELP = [
  "",
  "Runs, against your system of record (the policy's system_of_record, signed with",
  "the secret in its secret_env variable): a signed request (accepted), a bad",
  "signature (401), a request signed 10 minutes ago (401), the refusal body",
  '({"error":{"message"}}), every read for each --ref validated with the contract\'s',
  'schemas, clients/get for an unknown ref (200 {"client": null}), and the time of',
  "every call (within the policy's timeout). One line per check; exit 1 on any FAIL.",
  "",
  "With --actions, also on each --ref: inactivate-client, reactivate-client (back to",
  "where it was) and an empty work order, each sent twice with one Idempotency-Key",
  "(the second must replay the first answer), and an action on an unknown ref (404).",
  "THIS CHANGES THOSE CLIENTS: use test clients, never real ones.",
].join("\n");

export function addConnectorCommands(program: Command, io: ConnectorIo, deps: ConnectorDeps): void {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const connector = program.command("connector").description("the HTTP connector's contract: publish it, check a server against it");

  connector
    .command("schema")
    .description("print the contract as an OpenAPI 3.1 document (as docs/connector.openapi.json), generated from the schemas Offboard validates with")
    .action(() => void io.stdout.write(connectorSchemaText()));

  connector
    .command("check")
    .description("check a system of record against the contract (reads only, unless --actions)")
    .option("--base-url <url>", "the server to check (default: the policy's system_of_record.base_url)")
    .option("--ref <ref...>", "refs of test clients to read (and, with --actions, to act on)", [])
    .option("--actions", "also run actions on the --ref clients (use test clients)")
    .option("--policy <file>", "the policy file (default: OFFBOARD_POLICY or ./offboard.policy.yml)")
    .addHelpText("after", CHECK_HELP)
    .action(async (options: { baseUrl?: string; ref: string[]; actions?: boolean; policy?: string }) => {
      const path = resolve(io.cwd, options.policy ?? deps.environment().OFFBOARD_POLICY);
      const load = await loadPolicyFile(path);
      if (!load.ok) throw deps.failure(describePolicyFailure(path, load));
      const sor = load.policy.systemOfRecord;
      if (sor.type !== "http") throw deps.failure(`${path} has no HTTP system of record (system_of_record.type: http) to check`);
      const secret = io.env[sor.secretEnv];
      if (!secret) throw deps.failure(`${sor.secretEnv} is not set: it holds the shared secret the server checks signatures with`);
      if (secret.length < MIN_SECRET_LENGTH) throw deps.failure(`${sor.secretEnv} is shorter than ${MIN_SECRET_LENGTH} characters`);
      const baseUrl = options.baseUrl ?? sor.baseUrl;
      if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) throw deps.failure(`--base-url "${baseUrl}" is not an http(s) URL`, 2);
      if (options.actions && options.ref.length === 0) throw deps.failure("--actions acts on the --ref clients: name at least one test client", 2);
      if (options.ref.length === 0) out("note: no --ref given, so only the signature checks run; pass --ref with test clients to check every read");
      out(`checking ${baseUrl} (timeout ${sor.timeoutMs} ms${options.actions ? `; ACTIONS on ${options.ref.join(", ")}` : "; reads only"})`);
      const results = await runConformance({ baseUrl: baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`, secret, timeoutMs: sor.timeoutMs, refs: options.ref, actions: options.actions === true });
      for (const line of formatResults(results)) out(line);
      const failed = results.filter((r) => r.status === "FAIL").length;
      if (failed) throw deps.failure(`${failed} of ${results.length} checks failed`);
      out(`all ${results.filter((r) => r.status === "PASS").length} checks passed`);
    });
}
