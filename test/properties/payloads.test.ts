import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAudit } from "../../src/db/audit.ts";
import { Ids } from "../../src/slack/ids.ts";
import { createClient } from "../support/ledger-data.ts";
import { REQUESTER, testPolicy } from "../support/policy.ts";
import { TestBot } from "../support/slack-bot.ts";

// Signed requests whose content is anything at all: Slack's shapes with wrong,
// missing or hostile values. Each gets an answer that is not a server error,
// modal refusals say something, and the bot keeps working.
const bot = new TestBot(testPolicy({ language: "en" }));
let realRequest = "";
beforeAll(async () => {
  await bot.start();
  const client = await createClient(bot.db, { name: "Target" });
  realRequest = (await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "r", requestedOn: "2026-08-09" })).id;
});
afterAll(() => bot.stop());

const A = Ids.action;
const buttonIds = [A.approve, A.reject, A.execute, A.withdraw, A.tick, A.untick, A.recheck, A.listInactive, A.stepDone, A.snoozeDay, A.snoozeUntil, A.reassign, A.clientAnswered, A.clientPaid];
const viewIds = [Ids.view.deactivate, Ids.view.evidence, Ids.view.reject, Ids.view.reactivate, Ids.view.stepDone, Ids.view.snooze, Ids.view.reassign];

/** Strings a hostile or broken client might send. */
const nasty = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.string({ minLength: 3000, maxLength: 5000 }),
  fc.constantFrom("", " ", "null", "{}", "[]", "{\"r\":1}", "../../etc/passwd", "'; DROP TABLE \"Client\"; --", "\u0000", "<@U0SOMEONE>", "🙂".repeat(400)),
  fc.uuid(),
  fc.json(),
  fc.record({ r: fc.oneof(fc.uuid(), fc.constant("REAL")), c: fc.string({ maxLength: 70 }), s: fc.string({ maxLength: 70 }) }).map((v) => JSON.stringify(v)),
);
const value = nasty.map((v) => v.replace("REAL", realRequest));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const userId = fc.oneof(fc.constant(REQUESTER), fc.constant("U0MANAGERA"), fc.string({ maxLength: 20 }));

const blockActions = fc.record(
  {
    type: fc.constant("block_actions"),
    user: maybe(fc.record({ id: userId })),
    trigger_id: maybe(fc.string({ maxLength: 30 })),
    response_url: fc.constant("RESPONSE_URL"),
    actions: fc.array(fc.record({ action_id: fc.constantFrom(...buttonIds), value: maybe(value), block_id: fc.constant("b"), type: fc.constant("button") }), { minLength: 1, maxLength: 2 }),
  },
  { requiredKeys: ["type", "actions", "response_url"] },
);

const inputValue = fc.oneof(
  fc.record({ value: maybe(value) }),
  fc.record({ selected_option: maybe(fc.record({ value })) }),
  fc.record({ selected_date: maybe(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("2026-02-30", "2026-08-09", "9999-12-31", "2020-01-01"))) }),
  fc.record({ selected_user: maybe(userId) }),
  fc.record({ selected_options: fc.array(fc.record({ value }), { maxLength: 2 }) }),
  fc.anything({ maxDepth: 2 }),
);
const blockIds = [...Object.values(Ids.block), "other"];
const actionIds = [...Object.values(Ids.action), "other"];
const viewSubmission = fc.record({
  type: fc.constant("view_submission"),
  user: maybe(fc.record({ id: userId })),
  view: maybe(
    fc.record(
      {
        id: fc.oneof(fc.string({ maxLength: 80 }), fc.uuid()),
        callback_id: fc.constantFrom(...viewIds),
        private_metadata: maybe(fc.oneof(value, fc.record({ requestId: fc.oneof(fc.uuid(), fc.constant(realRequest)), checkId: fc.string(), stepId: fc.string(), fixedClientRef: fc.string() }).map((m) => JSON.stringify(m)))),
        state: maybe(fc.record({ values: fc.dictionary(fc.constantFrom(...blockIds), fc.dictionary(fc.constantFrom(...actionIds), inputValue, { maxKeys: 3 }), { maxKeys: 6 }) })),
      },
      { requiredKeys: ["callback_id"] },
    ),
  ),
});

const command = fc.record({
  command: fc.constantFrom("/deactivate", "/reactivate"),
  text: value,
  user_id: userId,
  channel_id: fc.string({ maxLength: 12 }),
  trigger_id: fc.string({ maxLength: 30 }),
});

describe("random malformed payloads, signed", () => {
  it("button clicks: never a server error (400 when there is not even a user)", async () => {
    await fc.assert(
      fc.asyncProperty(blockActions, async (payload) => {
        const body = JSON.stringify(payload).replace("RESPONSE_URL", bot.fake.responseUrl("prop"));
        const { status } = await bot.send(`payload=${encodeURIComponent(body)}`);
        expect(status).toBe(payload.user ? 200 : 400);
      }),
      { numRuns: 150, seed: 1 },
    );
  }, 120_000);

  it("form submissions: never a server error; a refusal always says what is wrong", async () => {
    await fc.assert(
      fc.asyncProperty(viewSubmission, async (payload) => {
        const { status, body } = await bot.send(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
        expect(status).toBe(payload.user && payload.view ? 200 : 400);
        if (!body) return;
        const answer = JSON.parse(body) as { response_action?: string; errors?: Record<string, unknown> };
        expect(["errors", "update", "clear"]).toContain(answer.response_action);
        if (answer.response_action === "errors") {
          expect(Object.keys(answer.errors ?? {}).length).toBeGreaterThan(0);
          for (const message of Object.values(answer.errors ?? {})) expect(message).toMatch(/\S/);
        }
      }),
      { numRuns: 150, seed: 2 },
    );
  }, 120_000);

  it("slash commands with any text, and bodies that are not even JSON: never a server error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(command.map((c) => new URLSearchParams({ ...c, response_url: bot.fake.responseUrl("cmd") }).toString()), fc.string({ maxLength: 200 }).map((s) => `payload=${encodeURIComponent(s)}`)), async (body) => {
        const { status } = await bot.send(body);
        expect([200, 400]).toContain(status);
      }),
      { numRuns: 100, seed: 3 },
    );
  }, 120_000);

  it("afterwards, the bot still works and the audit trail is whole", async () => {
    const { responseId } = await bot.command(REQUESTER, "help");
    expect(bot.responseTo(responseId)?.text).toMatch(/opens a deactivation request/);
    expect(await verifyAudit(bot.db)).toMatchObject({ ok: true });
    expect(await bot.db.deactivationRequest.count()).toBe(1);
  });
});
