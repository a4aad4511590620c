import type { RespondFn } from "@slack/bolt";
import { z } from "zod";
import { auditMalformedInteraction } from "../../../services/audit-trail.ts";
import type { DomainError, Result } from "../../../domain/errors.ts";
import { userContext, type SlackDeps } from "../../context.ts";
import { t } from "../../i18n/catalog.ts";
import { errorText, plainText } from "../../views/errors.ts";
import type { ViewContext } from "../../views/format.ts";
import { COMMAND_TEXT_MAX, slashCommand } from "../../payloads.ts";

/** A reply only the person who clicked sees; the card stays as it is. */
export function tellClicker(respond: RespondFn, text: string): Promise<unknown> {
  return respond({ response_type: "ephemeral", replace_original: false, text });
}

const clickedAction = z.object({ actions: z.array(z.object({ action_id: z.string().optional(), value: z.string().optional() })) });

const anyUser = z.object({ user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]{2,}$/) }) });

/** A payload Offboard cannot trust or read: refused plainly, in the clicker's language when known. */
export async function refuseMalformed(deps: SlackDeps, respond: RespondFn, body: unknown): Promise<void> {
  deps.log("refused a malformed Slack payload");
  const user = anyUser.safeParse(body);
  // A signed payload Slack would never send (a forged value): kept on the audit trail.
  const action = clickedAction.safeParse(body).data?.actions[0];
  await auditMalformedInteraction(deps.services, deps.services.clock.now(), user.success ? user.data.user.id : "unknown", action?.action_id ?? null, action?.value ?? null);
  const language = user.success ? (await userContext(deps, user.data.user.id)).language : deps.policy.language;
  await tellClicker(respond, t(language, "error.badPayload"));
}

/**
 * A refusal shown under a form's field: Slack shows those as plain text, so
 * mentions become the person's name and mrkdwn marks go.
 */
export async function fieldError(deps: SlackDeps, error: DomainError, ctx: ViewContext): Promise<string> {
  const text = errorText(error, ctx);
  const ids = [...new Set([...text.matchAll(/<@([UW][A-Z0-9]+)>/g)].map((m) => m[1]!))];
  const names = new Map(await Promise.all(ids.map(async (id) => [id, await deps.people.nameOf(id)] as const)));
  return plainText(text, names);
}

/** After a service call from a button: a refusal goes to the clicker alone, a change to the cards. */
export async function refuseOrPublish(deps: SlackDeps, respond: RespondFn, userId: string, requestId: string, result: Result<object>): Promise<void> {
  if (!result.ok) {
    await tellClicker(respond, errorText(result.error, await userContext(deps, userId)));
    return;
  }
  await deps.publisher.publish(requestId);
}

const commandUser = z.object({ user_id: z.string().regex(/^[UW][A-Z0-9]{2,}$/) });

/**
 * A slash command read for its listener: who typed it (with their language),
 * what they typed, and whether they asked for help. One Offboard cannot read
 * (a text longer than any name, fields missing) is refused plainly: null.
 */
export async function readCommand(deps: SlackDeps, respond: RespondFn, body: unknown) {
  const parsed = slashCommand.safeParse(body);
  if (!parsed.success) {
    const textTooLong = parsed.error.issues.some((i) => i.path[0] === "text" && i.code === "too_big");
    const user = commandUser.safeParse(body);
    const language = user.success ? (await userContext(deps, user.data.user_id)).language : deps.policy.language;
    await respond({ response_type: "ephemeral", text: textTooLong ? t(language, "error.commandTooLong", { max: COMMAND_TEXT_MAX }) : t(language, "error.badCommand") });
    return null;
  }
  const command = parsed.data;
  const query = command.text.trim();
  return {
    command,
    query,
    ctx: await userContext(deps, command.user_id),
    asksHelp: !query || /^(help|ayuda|ajuda)$/i.test(query),
    say: (text: string) => respond({ response_type: "ephemeral", text }),
  };
}
