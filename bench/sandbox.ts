// The sandbox as a person uses it: from a click on Approve in the page to the
// updated approval card in the same page (Chromium, the real bot behind it).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SandboxState } from "../src/sandbox/protocol.ts";
import { Ids } from "../src/slack/ids.ts";
import { freePort } from "../test/support/bot-process.ts";
import { hasChromium, launchChromium, StartedProcess } from "../test/support/browser.ts";
import { stats } from "./slack.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const BIN = join(ROOT, "bin/offboard.js");

export async function sandboxBench(clicks = 50): Promise<void> {
  if (!hasChromium) {
    console.log("sandbox: skipped (needs Chromium at /usr/bin/chromium)");
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), "offboard-bench-sandbox-"));
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, OFFBOARD_DATA_DIR: join(dir, "data"), OFFBOARD_POLICY: join(dir, "policy.yml") };
  await writeFile(env.OFFBOARD_POLICY, (await readFile(join(ROOT, "offboard.policy.example.yml"), "utf8")).replace("language: es", "language: en"));
  // Clients of its own, imported into the sandbox's database before it starts.
  const csv = ["ref,name,contact_name,contact_email,contact_phone,third_party,hosted_database", ...Array.from({ length: clicks }, (_, i) => `BENCH-${String(i + 1).padStart(3, "0")},Bench client ${i + 1},,,,no,no`)].join("\n");
  await writeFile(join(dir, "clients.csv"), csv);
  const imported = StartedProcess.spawn(process.execPath, [BIN, "clients", "import", join(dir, "clients.csv")], { cwd: dir, env: { ...env, OFFBOARD_DATA_DIR: join(dir, "data", "sandbox") } });
  if ((await imported.exited) !== 0) throw new Error(`import failed:\n${imported.output}`);
  const port = await freePort();
  const sandbox = StartedProcess.spawn(process.execPath, [BIN, "sandbox", "--port", String(port)], { cwd: dir, env });
  const browser = await launchChromium();
  try {
    const url = (await sandbox.waitFor(/open (http:\/\/127\.0\.0\.1:\d+)\//))[1]!;
    const act = async (body: unknown) => {
      const answer = (await (await fetch(`${url}/sandbox/act`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as { ok: boolean; error?: string };
      if (!answer.ok) throw new Error(`the sandbox refused ${JSON.stringify(body)}: ${answer.error}`);
    };
    const state = async () => (await (await fetch(`${url}/sandbox/state`)).json()) as SandboxState;
    const requester = "U0STAFFCHRIS";
    const requests = (await state()).channels.find((c) => c.name === "offboard-requests")!.id;
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Montevideo" }).format(new Date());
    for (let i = 1; i <= clicks; i += 1) {
      await act({ type: "command", user: requester, channel: requests, command: "/deactivate", text: `BENCH-${String(i).padStart(3, "0")}` });
      // The bot acknowledges first and opens the form right after, as in Slack.
      let form: SandboxState["modals"][string][number] | undefined;
      for (let wait = 0; wait < 200 && !form; wait += 1) {
        form = (await state()).modals[requester]?.at(-1);
        if (!form) await new Promise((r) => setTimeout(r, 25));
      }
      if (!form) throw new Error(`no form opened for BENCH-${i}`);
      await act({
        type: "view_submission",
        user: requester,
        viewId: form.id,
        values: {
          [Ids.block.kind]: { [Ids.action.kind]: { type: "static_select", selected_option: { text: { type: "plain_text", text: "voluntary" }, value: "voluntary" } } },
          [Ids.block.reason]: { [Ids.action.reason]: { type: "plain_text_input", value: "bench" } },
          [Ids.block.requestedOn]: { [Ids.action.requestedOn]: { type: "datepicker", selected_date: today } },
        },
      });
      // Opening posts the card and a thread line in one channel: within Slack's one message a second.
      await new Promise((r) => setTimeout(r, 2200));
    }
    const management = (await state()).channels.find((c) => c.name === "management")!.id;
    for (let wait = 0; wait < 600 && (await state()).messages.filter((m) => m.channel === management && !m.threadTs).length < clicks; wait += 1) await new Promise((r) => setTimeout(r, 100));
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${url}/`);
    const labels = await page.getByLabel("You are").locator("option").allTextContents();
    await page.getByLabel("You are").selectOption({ label: labels.find((l) => l.startsWith("Marta"))! });
    await page.getByText("You are:").waitFor();
    await page.getByRole("navigation", { name: "Channels" }).getByRole("button", { name: "# management" }).click();
    const times: number[] = [];
    for (let i = 1; i <= clicks; i += 1) {
      const card = page.getByRole("article").filter({ hasText: new RegExp(`Bench client ${i}\\b`) });
      const approve = card.getByRole("button", { name: "Approve", exact: true });
      await approve.waitFor();
      const started = performance.now();
      await approve.click();
      await card.filter({ hasText: /Approved by/ }).waitFor({ timeout: 30_000 });
      times.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 2200));
    }
    const s = stats(times);
    console.log("sandbox: Approve clicked in the page → the approval card updated in the page (Chromium)");
    console.log(`  n ${s.n}   p50 ${s.p50.toFixed(1)} ms   p99 ${s.p99.toFixed(1)} ms   max ${s.max.toFixed(1)} ms`);
    const errors = (await state()).errors;
    if (errors.length) console.log(`  errors the bot got from the sandbox's Slack: ${errors.map((e) => `${e.method} ${e.error}`).join(", ")}`);
    if (process.env.BENCH_VERBOSE) console.log(`  each (ms): ${times.map((t) => t.toFixed(0)).join(" ")}`);
  } finally {
    await browser.close();
    await sandbox.kill();
    await rm(dir, { recursive: true, force: true });
  }
}
