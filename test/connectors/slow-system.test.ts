import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HttpSystemOfRecord } from "../../src/connectors/http.ts";
import { Ids } from "../../src/slack/ids.ts";
import { REQUESTER, testPolicy } from "../support/policy.ts";
import { ReferenceSystem, type RemoteClient } from "../support/reference-sor.ts";
import { readable, slackHeaders, TestBot } from "../support/slack-bot.ts";

// Slack accepts a trigger_id for about 3 seconds and waits 3 seconds for a
// form's answer. A system of record that takes 5 seconds (within the
// example's 10 s timeout) must not make a form fail to open or a submission
// go unanswered.
const SECRET = "shared-secret-0123456789";
const SLOW_MS = 5_000;
const remote = new ReferenceSystem(SECRET);
const bot = new TestBot(testPolicy({ language: "en" }), undefined, (db) => new HttpSystemOfRecord(db, { baseUrl: remote.url, secret: SECRET, timeoutMs: 10_000, retries: 0, backoffMs: 10 }));
beforeAll(async () => {
  await remote.start();
  await bot.start();
});
afterAll(async () => {
  await bot.stop();
  await remote.stop();
});
beforeEach(() => {
  remote.reset();
  bot.fake.clear();
});

let n = 0;
function remoteClient(name: string, extra: Partial<RemoteClient> = {}): RemoteClient {
  const client: RemoteClient = { ref: `SLOW-${++n}`, name, status: "active", invoices: [], subscriptions: [], equipment: [], logins: [], ...extra };
  remote.clients.set(client.ref, client);
  return client;
}

/** When (by this test's clock) the fake Slack first received a call of `method`, watched while `work` runs. */
async function watch(work: Promise<unknown>, methods: string[]): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  let finished = false;
  const done = work.finally(() => (finished = true));
  while (!finished) {
    for (const m of methods) if (seen[m] === undefined && bot.fake.called(m).length > 0) seen[m] = Date.now();
    await new Promise((r) => setTimeout(r, 10));
  }
  await done;
  for (const m of methods) if (seen[m] === undefined && bot.fake.called(m).length > 0) seen[m] = Date.now();
  return seen;
}

const order = () => bot.fake.calls.map((c) => c.method).filter((m) => m.startsWith("views."));

describe("a system of record that answers after 5 seconds", () => {
  it("/deactivate opens a 'looking the client up' modal at once, then updates it with the form", { timeout: 30_000 }, async () => {
    const client = remoteClient("Tortoise Logistics");
    remote.delayMs = SLOW_MS;
    const sent = Date.now();
    const seen = await watch(bot.command(REQUESTER, client.ref), ["views.open", "views.update"]);

    expect(order()).toEqual(["views.open", "views.update"]);
    // Generous bounds: at once (well inside Slack's 3 s), and the update only once the answer came.
    expect(seen["views.open"]! - sent).toBeLessThan(1_000);
    expect(seen["views.update"]! - sent).toBeGreaterThanOrEqual(SLOW_MS);
    const search = remote.calls.find((c) => c.path === "clients/search")!;
    expect(search.at - sent).toBeLessThan(1_000);

    const [opened] = bot.fake.called("views.open");
    expect(opened!.trigger_id).toMatch(/^trigger-/);
    expect(readable((opened!.view as { blocks: unknown }).blocks)).toMatch(/Looking the client up/);
    const [updated] = bot.fake.called("views.update");
    expect(updated!.view_id).toMatch(/^V\d+$/);
    const form = updated!.view as { callback_id: string; blocks: unknown; private_metadata: string };
    expect(form.callback_id).toBe(Ids.view.deactivate);
    expect(readable(form.blocks)).toContain("Tortoise Logistics");
  });

  it("/reactivate, for a Spanish speaker: the waiting modal in Spanish, then what was found (here: nothing)", { timeout: 30_000 }, async () => {
    bot.fake.locales.set("U0HABLANTE", "es-ES");
    remote.delayMs = SLOW_MS;
    const sent = Date.now();
    const seen = await watch(bot.command("U0HABLANTE", "nadie-se-llama-asi", "/reactivate"), ["views.open", "views.update"]);
    expect(order()).toEqual(["views.open", "views.update"]);
    expect(seen["views.open"]! - sent).toBeLessThan(1_000);
    expect(readable((bot.fake.called("views.open")[0]!.view as { blocks: unknown }).blocks)).toMatch(/Buscando el cliente/);
    expect(readable((bot.fake.called("views.update")[0]!.view as { blocks: unknown }).blocks)).toContain("nadie-se-llama-asi");
  });

  it("the form's submission is answered within 3 seconds while the system of record is slow, and the modal then says what happened", { timeout: 60_000 }, async () => {
    const client = remoteClient("Snail Mail SA");
    await bot.command(REQUESTER, client.ref);
    const form = bot.fake.called("views.update").at(-1)!.view as { callback_id: string; private_metadata: string };
    bot.fake.clear();
    remote.delayMs = SLOW_MS;
    const payload = {
      type: "view_submission",
      team: { id: "T0TEAM" },
      user: { id: REQUESTER },
      api_app_id: "A0APP",
      view: {
        id: "VSLOWFORM1",
        type: "modal",
        callback_id: form.callback_id,
        private_metadata: form.private_metadata,
        state: {
          values: {
            [Ids.block.kind]: { [Ids.action.kind]: { selected_option: { value: "voluntary" } } },
            [Ids.block.reason]: { [Ids.action.reason]: { value: "Closing" } },
            [Ids.block.requestedOn]: { [Ids.action.requestedOn]: { selected_date: "2026-08-09" } },
          },
        },
      },
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const sent = Date.now();
    const response = await fetch(bot.url, { method: "POST", headers: slackHeaders(body), body });
    const answered = Date.now();
    const answer = (await response.json()) as { response_action: string; view: { blocks: unknown } };
    expect(response.status).toBe(200);
    expect(answered - sent).toBeLessThan(3_000);
    expect(answer.response_action).toBe("update");
    expect(readable(answer.view.blocks)).toMatch(/Working on it/);

    await bot.slack.drain();
    const [updated] = bot.fake.called("views.update");
    expect(updated!.view_id).toBe("VSLOWFORM1");
    const request = await bot.db.deactivationRequest.findFirstOrThrow({ where: { client: { ref: client.ref } } });
    expect(readable((updated!.view as { blocks: unknown }).blocks)).toContain(`Request #${request.number} is open`);
  });
});
