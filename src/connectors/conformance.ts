import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { refusalSchema, responses } from "./contract.ts";
import { signatureHeaders } from "./http.ts";

/**
 * `offboard connector check`: a documented sequence of calls against a
 * company's system of record, each judged against the contract (the same zod
 * schemas the connector validates with). Reads only, unless `actions` is set:
 * then, on the given refs only (test clients), it inactivates and reactivates
 * each one and creates a work order, each sent twice with the same key.
 */
export interface ConformanceOptions {
  baseUrl: string;
  secret: string;
  /** The policy's per-attempt timeout: every call must answer within it. */
  timeoutMs: number;
  refs: string[];
  /** Run actions on `refs` (test clients only). */
  actions: boolean;
}

export interface CheckResult {
  name: string;
  status: "PASS" | "FAIL" | "SKIP";
  detail: string;
}

interface Answer {
  status: number;
  text: string;
  json: unknown;
  ms: number;
}

/** A ref no server should know: reads answer it 200 and empty, actions 404. */
const UNKNOWN_REF = "offboard-conformance-no-such-client";
const OLD_SECONDS = 600;

export async function runConformance(options: ConformanceOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const pass = (name: string, detail: string) => results.push({ name, status: "PASS", detail });
  const fail = (name: string, detail: string) => results.push({ name, status: "FAIL", detail });
  const timings: { path: string; ms: number }[] = [];

  const send = async (path: string, payload: object, tweak: { idempotencyKey?: string; badSignature?: boolean; ageSeconds?: number } = {}): Promise<Answer> => {
    const target = new URL(path, options.baseUrl);
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(Date.now() / 1000) - (tweak.ageSeconds ?? 0));
    const headers = signatureHeaders(options.secret, { timestamp, method: "POST", path: target.pathname, idempotencyKey: tweak.idempotencyKey, body });
    if (tweak.badSignature) {
      // The right signature with its last hex digit changed: everything else is as Offboard sends it.
      const flip = (value: string) => value.slice(0, -1) + (value.endsWith("0") ? "1" : "0");
      headers["x-offboard-signature-v2"] = flip(headers["x-offboard-signature-v2"]!);
      headers["x-offboard-signature"] = flip(headers["x-offboard-signature"]!);
    }
    const started = Date.now();
    const response = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json", "x-offboard-request-id": randomUUID(), ...headers, ...(tweak.idempotencyKey ? { "idempotency-key": tweak.idempotencyKey } : {}) },
      body,
      // Twice the timeout: a slow answer is reported by the timing check, not lost.
      signal: AbortSignal.timeout(options.timeoutMs * 2),
    }).catch((error: unknown) => {
      timings.push({ path, ms: Date.now() - started });
      throw error;
    });
    const text = await response.text();
    const ms = Date.now() - started;
    timings.push({ path, ms });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json, ms };
  };
  /** Runs one check; a call that fails outright (refused connection, no answer) fails it. */
  const check = async (name: string, body: () => Promise<void>) => {
    try {
      await body();
    } catch (error) {
      fail(name, `the call failed: ${describe(error)}`);
    }
  };
  const shape = (answer: Answer, schema: z.ZodType): string | null => {
    if (answer.status < 200 || answer.status > 299) return `answered ${answer.status}: ${clip(answer.text)}`;
    if (answer.json === undefined) return `answered something that is not JSON: ${clip(answer.text)}`;
    const parsed = schema.safeParse(answer.json);
    return parsed.success ? null : parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(answer)"}: ${i.message}`).join("; ");
  };
  const refusalProblem = (answer: Answer): string | null =>
    refusalSchema.safeParse(answer.json).success ? null : `the body is not {"error":{"message":"…"}}: ${clip(answer.text) || "(empty)"}`;
  const firstRef = options.refs[0] ?? UNKNOWN_REF;

  // 1. A correctly signed request is accepted.
  await check("signature accepted", async () => {
    const answer = await send("clients/get", { ref: firstRef });
    if (answer.status >= 200 && answer.status <= 299) pass("signature accepted", `clients/get answered ${answer.status}`);
    else fail("signature accepted", `a correctly signed clients/get answered ${answer.status}: ${clip(answer.text)} (see README, "Signatures")`);
  });

  // 2. A bad signature is refused with 401 and a refusal body.
  let badSignatureAnswer: Answer | undefined;
  await check("bad signature refused", async () => {
    const answer = (badSignatureAnswer = await send("clients/get", { ref: firstRef }, { badSignature: true }));
    if (answer.status === 401) pass("bad signature refused", "401");
    else fail("bad signature refused", `a request with a wrong signature answered ${answer.status}, not 401`);
  });

  // 3. A request signed 10 minutes ago is refused (the window is 300 s).
  await check("old timestamp refused", async () => {
    const answer = await send("clients/get", { ref: firstRef }, { ageSeconds: OLD_SECONDS });
    if (answer.status === 401) pass("old timestamp refused", `a request signed ${OLD_SECONDS} s ago: 401`);
    else fail("old timestamp refused", `a correctly signed request whose timestamp is ${OLD_SECONDS} s old answered ${answer.status}, not 401 (the window is 300 s)`);
  });

  // 4. Refusals carry {"error":{"message"}}.
  await check("refusal format", async () => {
    const answer = badSignatureAnswer ?? (await send("clients/get", { ref: firstRef }, { badSignature: true }));
    if (answer.status < 400 || answer.status > 499) return void fail("refusal format", `no refusal to look at: a bad signature answered ${answer.status}`);
    const problem = refusalProblem(answer);
    if (problem) fail("refusal format", `the ${answer.status} for a bad signature: ${problem}`);
    else pass("refusal format", `${answer.status} with {"error":{"message"}}`);
  });

  // 5. Every read answers in the contract's shapes.
  const names = new Map<string, string>();
  for (const ref of options.refs) {
    const name = `shape clients/get ${ref}`;
    await check(name, async () => {
      const answer = await send("clients/get", { ref });
      const problem = shape(answer, responses.get);
      if (problem) return void fail(name, problem);
      const client = responses.get.parse(answer.json).client;
      if (!client) return void fail(name, `answered {"client": null}: is ${ref} one of your test clients?`);
      if (client.ref !== ref) return void fail(name, `asked for ${ref}, answered ${client.ref}`);
      names.set(ref, client.name);
      pass(name, `${client.name} (${client.status})`);
    });
    for (const [path, schema] of [["clients/pending-charges", responses.charges], ["clients/equipment-out", responses.equipment]] as const) {
      const label = `shape ${path} ${ref}`;
      await check(label, async () => {
        const problem = shape(await send(path, { ref }), schema);
        if (problem) fail(label, problem);
        else pass(label, "valid");
      });
    }
    // Contacts: every email an address, every phone E.164, every language en, es or pt (the connector refuses the whole answer otherwise).
    const contactsLabel = `shape clients/contacts ${ref}`;
    await check(contactsLabel, async () => {
      const answer = await send("clients/contacts", { ref });
      const problem = shape(answer, responses.contacts);
      if (problem) return void fail(contactsLabel, answer.status === 404 ? `${problem} (clients/contacts is part of the contract: the client's contacts)` : problem);
      const { contacts } = responses.contacts.parse(answer.json);
      const reachable = contacts.filter((c) => c.email || c.phone).length;
      pass(contactsLabel, `valid, ${contacts.length} contact${contacts.length === 1 ? "" : "s"}, ${reachable} with an email or a phone`);
    });
    const label = `shape clients/search ${ref}`;
    await check(label, async () => {
      const answer = await send("clients/search", { query: ref, limit: 10 });
      const problem = shape(answer, responses.search);
      if (problem) return void fail(label, problem);
      const first = responses.search.parse(answer.json).clients[0];
      if (first?.ref !== ref) fail(label, `searching for the ref "${ref}" must list that client first; got ${first ? first.ref : "nothing"}`);
      else pass(label, "valid, the ref first");
    });
  }
  await check("unknown ref on reads", async () => {
    const answer = await send("clients/get", { ref: UNKNOWN_REF });
    const problem = shape(answer, responses.get);
    if (problem) return void fail("unknown ref on reads", `clients/get for an unknown ref must answer 200 {"client": null}; ${problem}`);
    if (responses.get.parse(answer.json).client !== null) fail("unknown ref on reads", `clients/get for ${UNKNOWN_REF} did not answer {"client": null}`);
    else pass("unknown ref on reads", `200 {"client": null}`);
  });

  // 6. Actions, on the given (test) refs only, each sent twice with one key.
  if (!options.actions || options.refs.length === 0) {
    results.push({ name: "idempotent replay", status: "SKIP", detail: options.actions ? "no --ref given" : "runs actions: pass --actions with --ref of test clients" });
  } else {
    for (const ref of options.refs) {
      const run = randomUUID();
      const at = new Date().toISOString();
      const twice = async (label: string, path: string, payload: object, schema: z.ZodType): Promise<unknown> => {
        const idempotencyKey = `conformance-${run}:${label}`;
        const first = await send(path, payload, { idempotencyKey });
        const problem = shape(first, schema);
        if (problem) throw new CheckFailure(`${path}: ${problem}`);
        const again = await send(path, payload, { idempotencyKey });
        if (again.status !== first.status || JSON.stringify(again.json) !== JSON.stringify(first.json)) {
          throw new CheckFailure(`${path} sent twice with the same Idempotency-Key answered ${first.status} ${clip(first.text)} then ${again.status} ${clip(again.text)}: the second must replay the first answer without acting again`);
        }
        return first.json;
      };
      const status = async () => {
        const answer = await send("clients/get", { ref });
        return shape(answer, responses.get) ? undefined : responses.get.parse(answer.json).client?.status;
      };
      const name = `idempotent replay ${ref}`;
      await check(name, async () => {
        try {
          const before = await status();
          const body = { ref, actor: "offboard-conformance", at, reason: "offboard connector check" };
          const [done, undone] = before === "inactive" ? ["reactivate-client", "inactivate-client"] : ["inactivate-client", "reactivate-client"];
          await twice("a", `actions/${done}`, body, responses.outcome);
          const middle = await status();
          if (before && middle === before) throw new CheckFailure(`after actions/${done}, clients/get still says ${middle}`);
          await twice("b", `actions/${undone}`, body, responses.outcome);
          await twice("c", "work-orders", { ref, kind: "equipment_retrieval", items: [], actor: "offboard-conformance", at }, responses.workOrder);
          pass(name, `${done}, ${undone} and work-orders each replayed the same answer for the same key`);
        } catch (error) {
          if (error instanceof CheckFailure) fail(name, error.message);
          else throw error;
        }
      });
    }
    await check("unknown ref on actions", async () => {
      const answer = await send("actions/inactivate-client", { ref: UNKNOWN_REF, actor: "offboard-conformance", at: new Date().toISOString() }, { idempotencyKey: `conformance-${randomUUID()}:unknown` });
      const problem = answer.status === 404 ? refusalProblem(answer) : `answered ${answer.status}, not 404`;
      if (problem) fail("unknown ref on actions", `an action on an unknown ref: ${problem}`);
      else pass("unknown ref on actions", `404 with {"error":{"message"}}`);
    });
  }

  // 7. Every call answered within the policy's timeout.
  const slowest = timings.reduce<{ path: string; ms: number } | undefined>((a, b) => (a && a.ms >= b.ms ? a : b), undefined);
  const late = timings.filter((t) => t.ms > options.timeoutMs);
  if (!slowest) fail("timing", "no call answered");
  else if (late.length) fail("timing", `${late.length} of ${timings.length} calls took longer than the timeout (${options.timeoutMs} ms); slowest ${slowest.path} ${slowest.ms} ms`);
  else pass("timing", `${timings.length} calls within ${options.timeoutMs} ms; slowest ${slowest.path} ${slowest.ms} ms`);
  return results;
}

class CheckFailure extends Error {}

/** One line per check: `PASS name: detail`. */
export function formatResults(results: CheckResult[]): string[] {
  return results.map((r) => `${r.status} ${r.name}: ${r.detail}`);
}

function describe(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return "no answer in time";
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}
