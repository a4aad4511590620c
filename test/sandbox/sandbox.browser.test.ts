import { execSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { freePort } from "../support/bot-process.ts";
import { hasChromium, launchChromium, screenshot, StartedProcess } from "../support/browser.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * The sandbox as a new user meets it: `npm start` with no Slack settings, the
 * printed address opened in Chromium, everything done by clicking and typing.
 */
describe.skipIf(!hasChromium)("the sandbox in a browser (needs Chromium at /usr/bin/chromium: apt-get install chromium)", () => {
  let dir: string;
  let browser: Browser;
  let sandbox: StartedProcess;
  let url: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "offboard-sandbox-"));
    // The example policy in English, with a kind that executes at once (the other keeps its month-end calendar).
    const example = await readFile(join(ROOT, "offboard.policy.example.yml"), "utf8");
    const policy = example
      .replace("language: es", "language: en")
      .replace("service_ends: end_of_month       # end_of_month", "service_ends: immediately       # end_of_month");
    expect(policy).toContain("service_ends: immediately");
    await writeFile(join(dir, "policy.yml"), policy);
    const port = await freePort();
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), OFFBOARD_DATA_DIR: join(dir, "data"), OFFBOARD_POLICY: join(dir, "policy.yml") };
    const started = Date.now();
    sandbox = StartedProcess.spawn("npm", ["start"], { cwd: ROOT, env });
    url = (await sandbox.waitFor(/Offboard sandbox \(no Slack workspace\): open (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
    console.log(`npm start: the sandbox answered after ${Date.now() - started} ms`);
    browser = await launchChromium();
  }, 40_000);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  async function open(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
    if (process.env.DEBUG_SANDBOX) page.on("requestfinished", (r) => void r.response().then(async (res) => r.url().includes("/sandbox/act") && console.log(r.postData(), "->", await res?.text())));
    onTestFailed(async ({ task }) => {
      await screenshot(page, `failed-${task.name.slice(0, 40).replace(/\W+/g, "-")}`).catch(() => {});
      console.error(`sandbox output:\n${sandbox.output}`);
    });
    await page.goto(url);
    await expect.poll(() => page.getByRole("navigation", { name: "Channels" }).isVisible()).toBe(true);
    return page;
  }

  /** Switches who the page is, by the switcher's label ("Ana, staff, es"). */
  async function as(page: Page, person: RegExp): Promise<void> {
    const labels = await page.getByLabel("You are").locator("option").allTextContents();
    const label = labels.find((l) => person.test(l));
    if (!label) throw new Error(`nobody like ${person} in ${labels.join(" | ")}`);
    await page.getByLabel("You are").selectOption({ label });
  }

  const channel = (page: Page, name: string) => page.getByRole("navigation", { name: "Channels" }).getByRole("button", { name: new RegExp(`# ${name}`) }).click();
  const messages = (page: Page) => page.getByRole("list", { name: "Messages" });
  const card = (page: Page, text: RegExp): Locator => messages(page).getByRole("article").filter({ hasText: text }).last();

  it("runs a whole deactivation by clicking: form, cards, refused stranger, approval, checks, execution, App Home", async () => {
    const page = await open();
    await screenshot(page, "sandbox-start");
    await as(page, /^Chris, staff, en$/);
    await expect.poll(() => page.getByText("You are:").isVisible()).toBe(true);

    // The form, filled by its labels; a date in the future is refused on its field, then fixed.
    const composer = page.getByRole("textbox", { name: "Message #offboard-requests" });
    await composer.fill("/deactivate acme");
    await composer.press("Enter");
    const form = page.getByRole("dialog", { name: "Deactivate a client" });
    await expect.poll(() => form.isVisible()).toBe(true);
    await form.getByLabel("Kind of deactivation").selectOption({ label: "Client asked to leave" });
    await form.getByLabel("Reason").fill("Moving to another provider");
    await form.getByLabel("Requested on").fill("2099-01-01");
    await screenshot(page, "sandbox-form");
    await form.getByRole("button", { name: "Open request" }).click();
    await expect.poll(() => form.getByRole("alert").textContent()).toMatch(/no later than today/);
    await screenshot(page, "sandbox-form-error");
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Montevideo" }).format(new Date());
    await form.getByLabel("Requested on").fill(today);
    await form.getByRole("button", { name: "Open request" }).click();
    await expect.poll(() => form.isVisible()).toBe(false);

    // The request card in the requests channel, the approval card in management.
    const request = card(page, /Deactivation request #1: Acme Software/);
    await expect.poll(() => request.isVisible()).toBe(true);
    await screenshot(page, "sandbox-request-card");
    await channel(page, "management");
    const approval = card(page, /Acme Software/);
    await expect.poll(() => approval.getByRole("button", { name: "Approve" }).isVisible()).toBe(true);

    // A stranger's Approve is refused, privately.
    await as(page, /^Sam, no role/);
    await approval.getByRole("button", { name: "Approve" }).click();
    const refusal = messages(page).getByRole("article").filter({ hasText: "Only visible to you" }).last();
    await expect.poll(() => refusal.textContent()).toMatch(/approver/i);
    await screenshot(page, "sandbox-stranger-refused");

    // A manager approves: the approval card changes in place.
    await as(page, /^Marta Gómez, approver/);
    await expect.poll(() => refusal.isVisible()).toBe(false);
    await approval.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => approval.textContent()).toMatch(/Approved by @Marta Gómez/);

    // Checks ticked with evidence, then Execute (with its confirmation).
    await as(page, /^Chris, staff, en$/);
    await channel(page, "offboard-requests");
    for (const [n, check] of ["Client's written request", "Confirmed by phone"].entries()) {
      await expect.poll(() => request.getByRole("button", { name: "Untick", exact: true }).count()).toBe(n);
      await request.getByRole("button", { name: "Tick", exact: true }).first().click();
      const tick = page.getByRole("dialog", { name: "Tick a check" });
      await expect.poll(() => tick.isVisible()).toBe(true);
      await expect.poll(() => tick.textContent()).toContain(check);
      await tick.getByLabel(/Evidence/).fill(`https://mail.example.com/message/${n + 1}`);
      await tick.getByRole("button", { name: "Tick", exact: true }).click();
      await expect.poll(() => tick.isVisible()).toBe(false);
    }
    await expect.poll(() => request.textContent()).toMatch(/Ready to execute/);
    await request.getByRole("button", { name: "Execute" }).click();
    const confirm = page.getByRole("dialog", { name: /execute/i });
    await confirm.getByRole("button", { name: "Yes, go ahead" }).click();
    await expect.poll(() => request.textContent(), { timeout: 20_000 }).toMatch(/Inactivated by @Chris/);
    await screenshot(page, "sandbox-executed");

    // The thread is the request's timeline.
    await request.locator("..").getByRole("button", { name: /replies?$/ }).click();
    const thread = page.getByRole("complementary", { name: "Thread" });
    await expect.poll(() => thread.textContent()).toMatch(/Marta Gómez/);
    await screenshot(page, "sandbox-thread");

    // App Home lists it among the recently inactivated clients.
    await page.getByRole("button", { name: "Offboard — Home" }).click();
    const home = page.getByRole("main", { name: "Offboard home" });
    await expect.poll(() => home.textContent()).toMatch(/Acme Software \(ACME-01\)/);
    await screenshot(page, "sandbox-home");

    // From the keyboard: a form opened from the message box closes with Escape; a narrow window keeps everything reachable.
    await channel(page, "offboard-requests");
    await composer.focus();
    await page.keyboard.type("/deactivate beta");
    await page.keyboard.press("Enter");
    const beta = page.getByRole("dialog", { name: "Deactivate a client" });
    await expect.poll(() => beta.textContent()).toContain("Beta Logística");
    // As a person would: the form is on screen and has the focus, then Escape.
    await expect.poll(() => page.evaluate(() => Boolean(document.activeElement?.closest("[role=dialog]")))).toBe(true);
    await page.keyboard.press("Escape");
    await expect.poll(() => beta.isVisible()).toBe(false);
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => composer.isVisible()).toBe(true);
    await expect.poll(() => page.getByLabel("You are").isVisible()).toBe(true);
    await screenshot(page, "sandbox-narrow");
    await page.close();
  }, 120_000);

  it("plays a collection ladder out with the clock: reminders fall due, the final notice gives its cut-off date, the execution runs at the end of service", async () => {
    const page = await open();
    await as(page, /^Chris, staff, en$/);
    // From the 2nd of next month (business morning), the whole ladder (1+7+7+3+2 days) fits before the month ends.
    const now = new Date();
    const zone = "America/Montevideo";
    const [year, month] = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit" }).format(now).split("-").map(Number) as [number, number];
    const next = (y: number, m: number, d: number) => `${m === 12 ? y + 1 : y}-${String((m % 12) + 1).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
    const start = next(year, month, 2);
    const [startYear, startMonth] = start.split("-").map(Number) as [number, number];
    const lastDay = new Date(Date.UTC(startYear, startMonth, 0)).getUTCDate();
    const cutoff = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" }).format(new Date(Date.UTC(startYear, startMonth - 1, lastDay)));
    await page.getByLabel("Move the clock to").fill(start);
    await page.getByRole("button", { name: "Go", exact: true }).click();
    await expect.poll(() => page.getByRole("region", { name: "Clock" }).textContent()).toContain(String(startYear));

    const composer = page.getByRole("textbox", { name: "Message #offboard-requests" });
    await composer.fill("/deactivate kiwi");
    await composer.press("Enter");
    const form = page.getByRole("dialog", { name: "Deactivate a client" });
    await form.getByLabel("Kind of deactivation").selectOption({ label: "Non-payment" });
    await form.getByLabel("Reason").fill("Three invoices unpaid");
    await form.getByRole("button", { name: "Open request" }).click();
    await expect.poll(() => form.isVisible()).toBe(false);
    const request = card(page, /Deactivation request #\d+: Kiwi Foods/);
    await expect.poll(() => request.textContent()).toMatch(/0 of 5 steps done/);

    // Each day the clock moves, what fell due is reminded in the card's thread; the requester marks it done with evidence.
    await request.locator("..").getByRole("button", { name: /replies?$/ }).click();
    const thread = page.getByRole("complementary", { name: "Thread" });
    const steps = ["First collection email", "Second collection email", "Third collection email", "Phone call", "Final notice (email and WhatsApp)"];
    for (const [n, label] of steps.entries()) {
      const escaped = label.replace(/[()]/g, "\\$&");
      const reminder = thread.getByRole("article").filter({ hasText: new RegExp(`${escaped} \\(.*was due`) }).last();
      for (let day = 0; day < 10 && (await reminder.count()) === 0; day += 1) {
        await page.getByRole("button", { name: "+1 day" }).click();
        await expect.poll(() => page.getByRole("button", { name: "+1 day" }).isEnabled()).toBe(true);
      }
      await expect.poll(() => reminder.count()).toBe(1);
      if (n === steps.length - 1) {
        expect(await reminder.textContent()).toContain(`access ends on ${cutoff}`);
        expect(await reminder.textContent()).toContain(`Kiwi Foods: your access to the system ends on ${cutoff} unless the pending invoices are paid.`);
        await screenshot(page, "sandbox-final-notice");
      }
      await reminder.getByRole("button", { name: "Done", exact: true }).click();
      const step = page.getByRole("dialog", { name: "Step done" });
      await step.getByRole("textbox").fill(`evidence of step ${n + 1}`);
      await step.getByRole("button", { name: "Done", exact: true }).click();
      await expect.poll(() => step.isVisible()).toBe(false);
      await expect.poll(() => request.textContent()).toMatch(new RegExp(`${n + 1} of 5 steps done`));
    }

    // Approved, the emails' evidence ticked: ready, and executed by itself once the service has ended.
    await as(page, /^Marta Gómez, approver/);
    await channel(page, "management");
    await card(page, /Kiwi Foods/).getByRole("button", { name: "Approve" }).click();
    await as(page, /^Chris, staff, en$/);
    await channel(page, "offboard-requests");
    await request.getByRole("button", { name: "Tick", exact: true }).first().click();
    const tick = page.getByRole("dialog", { name: "Tick a check" });
    await tick.getByLabel(/Evidence/).fill("https://mail.example.com/collection-emails");
    await tick.getByRole("button", { name: "Tick", exact: true }).click();
    await expect.poll(() => request.textContent()).toMatch(/Ready to execute/);
    await page.getByLabel("Move the clock to").fill(next(startYear, startMonth, 2));
    await page.getByRole("button", { name: "Go", exact: true }).click();
    await expect.poll(() => request.textContent(), { timeout: 20_000 }).toMatch(/Inactivated as scheduled on/);
    await screenshot(page, "sandbox-scheduled-execution");
    await page.close();
  }, 120_000);

  it("stops cleanly on SIGTERM, finishing what it was doing, and leaves no process behind", async () => {
    onTestFailed(() => console.error(`sandbox output:\n${sandbox.output}\n${execSync(`ps -o pid,stat,cmd -g ${sandbox.child.pid} || true`).toString()}`));
    await sandbox.kill("SIGTERM");
    expect(sandbox.output).toContain("SIGTERM: finishing work in progress, then stopping");
    expect(sandbox.output.trimEnd().endsWith("stopped")).toBe(true);
    // Every process of its group (npm, node, esbuild's helper) is gone moments after.
    await expect.poll(() => execSync(`ps -o pid=,cmd= -g ${sandbox.child.pid} || true`).toString().trim(), { timeout: 5_000 }).toBe("");
  }, 40_000);
});
