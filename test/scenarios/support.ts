import { loadPolicyFile } from "../../src/config/policy-file.ts";
import type { Policy } from "../../src/domain/policy.ts";
import { Ids } from "../../src/slack/ids.ts";
import type { TestBot } from "../support/slack-bot.ts";

/** A policy from policies/, exactly as shipped. */
export async function seedPolicy(name: string): Promise<Policy> {
  const loaded = await loadPolicyFile(new URL(`../../policies/${name}.policy.yml`, import.meta.url).pathname);
  if (!loaded.ok) throw new Error(`policies/${name}.policy.yml is invalid: ${JSON.stringify(loaded.problems)}`);
  return loaded.policy;
}

/** The dunning reminders posted so far: their step and what they say. */
export function reminders(bot: TestBot): { stepId: string; requestId: string; text: string; blocks: unknown }[] {
  const out: { stepId: string; requestId: string; text: string; blocks: unknown }[] = [];
  for (const args of bot.fake.called("chat.postMessage", (a) => Boolean(a.thread_ts))) {
    const value = findValue(args.blocks, Ids.action.stepDone);
    if (!value) continue;
    const parsed = JSON.parse(value) as { r: string; s: string };
    out.push({ stepId: parsed.s, requestId: parsed.r, text: String(args.text), blocks: args.blocks });
  }
  return out;
}

function findValue(node: unknown, actionId: string): string | null {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findValue(item, actionId);
      if (found) return found;
    }
  } else if (node && typeof node === "object") {
    const record = node as Record<string, unknown>;
    if (record.action_id === actionId && typeof record.value === "string") return record.value;
    for (const value of Object.values(record)) {
      const found = findValue(value, actionId);
      if (found) return found;
    }
  }
  return null;
}

/** Done on a dunning step, with what was sent, through the button and its form. */
export async function markStepDone(bot: TestBot, user: string, requestId: string, stepId: string, evidence: string): Promise<void> {
  await bot.click(user, Ids.action.stepDone, JSON.stringify({ r: requestId, s: stepId }));
  const { answer } = await bot.submit(user, bot.lastModal(), { [Ids.block.evidence]: { [Ids.action.evidence]: { value: evidence } } });
  if (answer) throw new Error(`marking ${stepId} done was refused: ${JSON.stringify(answer)}`);
}

/** Ticks a manual check with evidence, through the button and its form. */
export async function tick(bot: TestBot, user: string, requestId: string, checkId: string, evidence?: string): Promise<void> {
  await bot.click(user, Ids.action.tick, JSON.stringify({ r: requestId, c: checkId }));
  if (evidence === undefined) return;
  const { answer } = await bot.submit(user, bot.lastModal(), { [Ids.block.evidence]: { [Ids.action.evidence]: { value: evidence } } });
  if (answer) throw new Error(`ticking ${checkId} was refused: ${JSON.stringify(answer)}`);
}
