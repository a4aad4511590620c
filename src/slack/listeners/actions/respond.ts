import type { RespondFn } from "@slack/bolt";
import { z } from "zod";
import type { Result } from "../../../domain/errors.ts";
import { userContext, type SlackDeps } from "../../context.ts";
import { t } from "../../i18n/catalog.ts";
import { errorText } from "../../views/errors.ts";

/** A reply only the person who clicked sees; the card stays as it is. */
export function tellClicker(respond: RespondFn, text: string): Promise<unknown> {
  return respond({ response_type: "ephemeral", replace_original: false, text });
}

const anyUser = z.object({ user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]{2,}$/) }) });

/** A payload Offboard cannot trust or read: refused plainly, in the clicker's language when known. */
export async function refuseMalformed(deps: SlackDeps, respond: RespondFn, body: unknown): Promise<void> {
  deps.log("refused a malformed Slack payload");
  const user = anyUser.safeParse(body);
  const language = user.success ? (await userContext(deps, user.data.user.id)).language : deps.policy.language;
  await tellClicker(respond, t(language, "error.badPayload"));
}

/** After a service call from a button: a refusal goes to the clicker alone, a change to the cards. */
export async function refuseOrPublish(deps: SlackDeps, respond: RespondFn, userId: string, requestId: string, result: Result<object>): Promise<void> {
  if (!result.ok) {
    await tellClicker(respond, errorText(result.error, await userContext(deps, userId)));
    return;
  }
  await deps.publisher.publish(requestId);
}
