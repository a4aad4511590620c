// Acknowledgement latency of the real bot (a child process, as deployed) next to
// a bare Bolt app that only acks, measured in the same run; client typeahead over
// 100,000 clients; the bot's memory after 10,000 requests. Printed, not asserted.
// BENCH_CONCURRENCY (default 20) and BENCH_BOT_FLAGS (e.g. --cpu-prof) help look into a figure.
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import WebSocket from "ws";
import { Ledger } from "../src/connectors/ledger.ts";
import { openDatabase } from "../src/db/database.ts";
import { applyMigrations } from "../src/db/migrations.ts";
import { createStore } from "../src/db/store.ts";
import { policySchema } from "../src/config/policy-schema.ts";
import { searchKey } from "../src/domain/text.ts";
import { systemClock } from "../src/services/clock.ts";
import { openRequest } from "../src/services/requests.ts";
import { Ids } from "../src/slack/ids.ts";
import { checkButtonValue } from "../src/slack/views/request-card.ts";
import { testPolicyInput } from "../test/support/policy.ts";
import { BIN, BotProcess } from "../test/support/bot-process.ts";
import { slackHeaders } from "../test/support/slack-bot.ts";

const SECRET = "0123456789abcdef0123456789abcdef";
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);

function signed(body: string): { body: string; headers: Record<string, string> } {
  return { body, headers: slackHeaders(body, { secret: SECRET }) };
}

/** Answers other than 200 (Bolt answers 404 when no ack came within 3 s), by status and kind. */
const failures = new Map<string, number>();

/** Sends every request with at most `concurrency` in flight; returns each one's time to the HTTP answer (the ack), in ms. */
async function load(url: string, requests: (() => string)[], concurrency = CONCURRENCY): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const make = requests[next++]!;
        const request = signed(make());
        const started = performance.now();
        const response = await fetch(url, { method: "POST", headers: request.headers, body: request.body });
        await response.arrayBuffer();
        times.push(performance.now() - started);
        if (response.status !== 200) {
          const kind = /command=([^&]+)/.exec(request.body)?.[1] ?? /%22(?:action_id|type)%22%3A%22([a-z_]+)/.exec(request.body)?.[1] ?? "?";
          failures.set(`${response.status} ${decodeURIComponent(kind)}`, (failures.get(`${response.status} ${decodeURIComponent(kind)}`) ?? 0) + 1);
        }
      }
    }),
  );
  return times;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
export function stats(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
}
const ms = (n: number) => n.toFixed(1).padStart(7);

const command = (user: string, text: string) => () =>
  new URLSearchParams({ command: "/deactivate", text, user_id: user, team_id: "T0BENCH", channel_id: "C0BENCH", trigger_id: `t-${randomUUID()}`, response_url: fake.responseUrl(randomUUID()) }).toString();
const click = (user: string, actionId: string, value: string) => () =>
  `payload=${encodeURIComponent(
    JSON.stringify({
      type: "block_actions",
      team: { id: "T0BENCH" },
      user: { id: user },
      api_app_id: "A0BENCH",
      trigger_id: `t-${randomUUID()}`,
      response_url: fake.responseUrl(randomUUID()),
      container: { type: "message" },
      actions: [{ type: "button", action_id: actionId, block_id: "b", value, action_ts: "1" }],
    }),
  )}`;
const suggest = (value: string) => () =>
  `payload=${encodeURIComponent(JSON.stringify({ type: "block_suggestion", team: { id: "T0BENCH" }, user: { id: "U0REQUESTER" }, api_app_id: "A0BENCH", action_id: Ids.action.client, block_id: Ids.block.client, value }))}`;

/** Waits until the bot has finished the work its acks started (no Slack call for half a second). */
async function idle(): Promise<void> {
  let last = -1;
  for (let now = await fake.count(); now !== last; now = await fake.count()) {
    last = now;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The bot's memory after a full garbage collection, asked through its inspector (it runs with --inspect). */
async function memoryOf(output: string): Promise<{ rss: number; heapUsed: number; external: number; arrayBuffers: number }> {
  const url = /ws:\/\/[^\s]+/.exec(output)?.[0];
  if (!url) throw new Error("the bot has no inspector");
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  const ask = (id: number, method: string, params: object = {}) =>
    new Promise<{ result?: { result?: { value?: string } } }>((resolve) => {
      const listen = (data: WebSocket.RawData) => {
        const message = JSON.parse(data.toString()) as { id?: number };
        if (message.id === id) {
          socket.off("message", listen);
          resolve(message as never);
        }
      };
      socket.on("message", listen);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await ask(1, "HeapProfiler.collectGarbage");
  const answer = await ask(2, "Runtime.evaluate", { expression: "JSON.stringify(process.memoryUsage())", returnByValue: true });
  socket.close();
  const usage = JSON.parse(answer.result!.result!.value!) as Record<string, number>;
  const mb = (n: number) => n / 1024 / 1024;
  return { rss: mb(usage.rss!), heapUsed: mb(usage.heapUsed!), external: mb(usage.external!), arrayBuffers: mb(usage.arrayBuffers!) };
}

/** The fake Slack, in its own process (see fake-slack-process.ts). */
const fake = {
  child: null as ChildProcess | null,
  apiUrl: "",
  baseUrl: "",
  async start() {
    this.child = fork(new URL("./fake-slack-process.ts", import.meta.url).pathname, [], { execArgv: ["--import", "tsx"] });
    const ready = await new Promise<{ apiUrl: string; baseUrl: string }>((resolve) => this.child!.once("message", resolve as never));
    this.apiUrl = ready.apiUrl;
    this.baseUrl = ready.baseUrl;
  },
  responseUrl(id: string) {
    return `${this.baseUrl}/respond/${id}`;
  },
  count(): Promise<number> {
    return new Promise((resolve) => {
      this.child!.once("message", (m: { count: number }) => resolve(m.count));
      this.child!.send("count");
    });
  },
  async stop() {
    this.child?.send("stop");
    await new Promise((r) => this.child?.once("exit", r));
  },
};

export async function slackBench(databaseUrl: string): Promise<void> {
  const CLIENTS = 100_000;
  const REQUESTS = 400;
  const dir = await mkdtemp(join(tmpdir(), "offboard-bench-"));
  await fake.start();
  const db = await openDatabase({ kind: "postgres", url: databaseUrl });
  const children: ChildProcess[] = [];
  try {
    await applyMigrations(db);
    const input = testPolicyInput({ language: "en" });
    const policy = policySchema.parse(input);
    await writeFile(join(dir, "policy.yml"), stringify(input));

    // 100,000 clients with realistic names (words repeat, as in real ledgers).
    const words = ["Acme", "Servicios", "Lima", "Norte", "Sur", "Soluciones", "Digital", "Comercial", "Farmacia", "Ferretería", "Transportes", "Café", "Panadería", "Construcciones", "Software", "Contábil", "Ltda", "SA", "SRL", "Hermanos"];
    const started = performance.now();
    for (let i = 0; i < CLIENTS; i += 5000) {
      const data = Array.from({ length: Math.min(5000, CLIENTS - i) }, (_, j) => {
        const n = i + j;
        const name = `${words[n % 20]} ${words[(n * 7) % 20]} ${words[(n * 13) % 19]} ${n}`;
        const ref = `C-${String(n).padStart(6, "0")}`;
        return { ref, refKey: searchKey(ref), name, nameKey: searchKey(name) };
      });
      await db.prisma.client.createMany({ data });
    }
    console.log(`\nclients: ${CLIENTS} inserted in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    // Requests to click on: one per client, opened through the services.
    const services = { store: createStore(db.prisma), clock: systemClock, policy, sor: new Ledger(db.prisma), approvers: { isApprover: async (u: string) => u.startsWith("U0MANAGER") } };
    const requestIds: string[] = [];
    for (let n = 0; n < REQUESTS; n++) {
      const opened = await openRequest(services, { clientRef: `C-${String(n).padStart(6, "0")}`, kind: "voluntary", requestedBy: "U0REQUESTER", reason: "bench" });
      if (!opened.ok) throw new Error(opened.error.code);
      requestIds.push(opened.request.id);
    }

    const env = { SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl };
    // Both run under tsx with an inspector, so their memory is read the same way.
    const bare = await BotProcess.start(process.cwd(), env, ["--inspect=127.0.0.1:0", "--import", "tsx", new URL("./bare-bolt.ts", import.meta.url).pathname]);
    children.push(bare.child);
    // BENCH_BOT_FLAGS: node flags for the bot (e.g. --cpu-prof), to look into a figure.
    const botFlags = process.env.BENCH_BOT_FLAGS?.split(" ").filter(Boolean) ?? [];
    const bot = await BotProcess.start(dir, { ...env, SLACK_BOT_TOKEN: "xoxb-bench", DATABASE_URL: databaseUrl, OFFBOARD_POLICY: "policy.yml", LOG_LEVEL: "error" }, [...botFlags, "--inspect=127.0.0.1:0", BIN, "start"]);
    children.push(bot.child);
    const memoryStart = await memoryOf(bot.output);
    const bareStart = await memoryOf(bare.output);

    // Warm both up, then measure the same requests against each.
    const warm = Array.from({ length: 100 }, (_, i) => command("U0REQUESTER", `C-${String(REQUESTS + i).padStart(6, "0")}`));
    await load(bare.url, warm);
    await load(bot.url, warm);
    let sent = 200;

    const scenarios: [string, (() => string)[]][] = [
      ["/deactivate CLIENT", Array.from({ length: REQUESTS }, (_, i) => command("U0REQUESTER", `C-${String(REQUESTS + 100 + i).padStart(6, "0")}`))],
      // The value a card's Tick carries today (it says the check asks for no evidence).
      ["check button (tick)", requestIds.map((id) => click("U0REQUESTER", Ids.action.tick, checkButtonValue(id, "phone_call", false)))],
      ["Approve", requestIds.map((id) => click("U0MANAGERA", Ids.action.approve, id))],
    ];
    // Rounds alternate between the two apps so that the machine's noise falls on both alike.
    const ROUNDS = 4;
    console.log(`\nacknowledgement latency, concurrency ${CONCURRENCY}, ms (client side, time to the HTTP answer; ${ROUNDS} alternating rounds)`);
    console.log("  what                  app        n      p50      p99      max   p99 vs bare");
    for (const [name, requests] of scenarios.filter(([n]) => !process.env.BENCH_ONLY || n.startsWith(process.env.BENCH_ONLY))) {
      const times = { bare: [] as number[], ours: [] as number[] };
      const size = requests.length / ROUNDS;
      for (let round = 0; round < ROUNDS; round++) {
        const slice = requests.slice(round * size, (round + 1) * size);
        await idle();
        times.bare.push(...(await load(bare.url, slice)));
        await idle();
        times.ours.push(...(await load(bot.url, slice)));
      }
      sent += requests.length;
      const baseline = stats(times.bare);
      const ours = stats(times.ours);
      console.log(`  ${name.padEnd(21)} bare Bolt ${String(baseline.n).padStart(4)} ${ms(baseline.p50)}  ${ms(baseline.p99)}  ${ms(baseline.max)}`);
      console.log(`  ${"".padEnd(21)} Offboard  ${String(ours.n).padStart(4)} ${ms(ours.p50)}  ${ms(ours.p99)}  ${ms(ours.max)}   ${(ours.p99 / baseline.p99).toFixed(2)}×`);
    }

    if (process.env.BENCH_ONLY) return; // one scenario, looked into alone

    // Side by side, after the same requests: what Offboard costs over a Bolt app that only acknowledges.
    await idle();
    const [botAfter, bareAfter] = [await memoryOf(bot.output), await memoryOf(bare.output)];
    console.log(`\nmemory after a full GC, MB, Offboard beside bare Bolt (same requests: ${sent})`);
    console.log("  when             app          rss    heap  external");
    for (const [label, ours, theirs] of [["start", memoryStart, bareStart], [`${sent} requests`, botAfter, bareAfter]] as const) {
      console.log(`  ${label.padEnd(14)}   Offboard  ${ours.rss.toFixed(0).padStart(5)}  ${ours.heapUsed.toFixed(0).padStart(6)}  ${ours.external.toFixed(0).padStart(8)}`);
      console.log(`  ${"".padEnd(14)}   bare Bolt ${theirs.rss.toFixed(0).padStart(5)}  ${theirs.heapUsed.toFixed(0).padStart(6)}  ${theirs.external.toFixed(0).padStart(8)}`);
    }

    // Typeahead: what a person types in the client picker.
    const queries = ["acme", "ferre", "servicios lima", "C-04", "cafe norte", "zzz", "hermanos 99", "contabil", "software sur", "panaderia 123"];
    const ledger = new Ledger(db.prisma);
    await idle();
    const direct: number[] = [];
    const perQuery = new Map<string, number[]>();
    for (let i = 0; i < 500; i++) {
      const query = queries[i % queries.length]!;
      const t0 = performance.now();
      await ledger.findClients(query, 100);
      direct.push(performance.now() - t0);
      perQuery.set(query, [...(perQuery.get(query) ?? []), performance.now() - t0]);
    }
    if (process.env.BENCH_VERBOSE) for (const [q, t] of perQuery) console.log(`    ${q.padEnd(15)} p50 ${ms(stats(t).p50)} max ${ms(stats(t).max)}`);
    const d = stats(direct);
    console.log(`\nclient typeahead over ${CLIENTS} clients, up to 100 options, ms`);
    console.log(`  the query alone (Ledger.findClients):     n ${d.n}  p50 ${ms(d.p50)}  p99 ${ms(d.p99)}  max ${ms(d.max)}`);
    const typed = Array.from({ length: 500 }, (_, i) => suggest(queries[i % queries.length]!));
    for (const concurrency of [1, CONCURRENCY]) {
      await idle();
      const s = stats(await load(bot.url, typed, concurrency));
      sent += typed.length;
      console.log(`  block_suggestion to the bot, ${String(concurrency).padStart(2)} at once: n ${s.n}  p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  max ${ms(s.max)}`);
    }

    // Memory: keep going to 10,000 requests in all, a mix of the above, reading it half-way and at the end.
    const mix = [...scenarios.flatMap(([, r]) => r), ...typed];
    await idle();
    const memoryEarly = await memoryOf(bot.output);
    const early = sent;
    const rest: (() => string)[] = [];
    for (let i = 0; sent + rest.length < 10_000; i++) rest.push(mix[i % mix.length]!);
    const half = Math.floor(rest.length / 2);
    await load(bot.url, rest.slice(0, half));
    await idle();
    const memoryHalf = await memoryOf(bot.output);
    await load(bot.url, rest.slice(half));
    sent += rest.length;
    await idle();
    const memoryEnd = await memoryOf(bot.output);
    console.log(`\nanswers other than 200: ${failures.size ? [...failures].map(([k, n]) => `${n} × ${k}`).join(", ") : "none"}`);
    console.log(`\nbot process memory after a full GC, MB (heap = live JavaScript objects; external = buffers and WebAssembly memory)`);
    console.log("  after            rss    heap  external");
    for (const [label, m] of [["start", memoryStart], [`${early} requests`, memoryEarly], [`${early + half} requests`, memoryHalf], [`${sent} requests`, memoryEnd]] as const) {
      console.log(`  ${label.padEnd(14)} ${m.rss.toFixed(0).padStart(5)}  ${m.heapUsed.toFixed(0).padStart(6)}  ${m.external.toFixed(0).padStart(8)}`);
    }
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on("exit", r)))));
    await db.close();
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
