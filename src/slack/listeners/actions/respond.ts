import type { RespondFn } from "@slack/bolt";
import { z } from "zod";
import { userContext, type SlackDeps } from "../../context.ts";
import { t } from "../../i18n/catalog.ts";

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
