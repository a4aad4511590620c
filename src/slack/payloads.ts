import { z } from "zod";
import { withoutNul } from "../domain/text.ts";

/**
 * What Offboard reads from Slack's payloads, parsed before anything uses it.
 * Ids in button values and private_metadata are hints only: every service
 * re-checks who may do what on the request they name.
 */
const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/);
const uuid = z.uuid();

/** Longer than any client name or reference. */
export const COMMAND_TEXT_MAX = 500;


export const slashCommand = z.object({
  user_id: userId,
  channel_id: z.string(),
  text: z.string().max(COMMAND_TEXT_MAX).default("").transform(withoutNul),
  trigger_id: z.string().min(1),
  response_url: z.url().optional(),
});

export const blockAction = z.object({
  user: z.object({ id: userId }),
  trigger_id: z.string().min(1),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(2000).optional() })).min(1),
});

export const requestIdValue = uuid;

/** A button value holding JSON of a given shape. */
function jsonValue<T extends z.ZodType>(shape: T) {
  return z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "not JSON" });
        return z.NEVER;
      }
    })
    .pipe(shape);
}

const policyId = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/);

/** `e`: whether the check asks for evidence (ticks only; absent on cards posted before it was added). */
export const checkValue = jsonValue(z.object({ r: uuid, c: policyId, e: z.union([z.literal(0), z.literal(1)]).optional() }));

export const stepValue = jsonValue(z.object({ r: uuid, s: policyId }));

export const stepMetadata = z.object({ requestId: uuid, stepId: policyId });

export const viewSubmission = z.object({
  user: z.object({ id: userId }),
  view: z.object({
    /** Slack's id of the open form: the same id again is the same submission. */
    id: z.string().min(1).max(64),
    private_metadata: z.string().max(3000).default(""),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.unknown())) }),
  }),
});

export const deactivateMetadata = z.object({ fixedClientRef: z.string().max(64).optional() });
export const checkMetadata = z.object({ requestId: uuid, checkId: policyId });
export const requestMetadata = z.object({ requestId: uuid });

/** The value of one input in a submitted view, whatever element it is. */
export function inputValue(values: Record<string, Record<string, unknown>>, blockId: string, actionId: string): unknown {
  return values[blockId]?.[actionId];
}

const textInput = z.object({ value: z.string().nullish() });
const selectInput = z.object({ selected_option: z.object({ value: z.string() }).nullish() });
const dateInput = z.object({ selected_date: z.string().nullish() });
const userInput = z.object({ selected_user: userId.nullish() });
const checkboxInput = z.object({ selected_options: z.array(z.object({ value: z.string() })).default([]) });

const nullableClean = (s: string | null | undefined) => (s == null ? null : withoutNul(s));

export const read = {
  text: (v: unknown) => withoutNul(textInput.safeParse(v).data?.value ?? "").trim(),
  select: (v: unknown) => nullableClean(selectInput.safeParse(v).data?.selected_option?.value),
  date: (v: unknown) => nullableClean(dateInput.safeParse(v).data?.selected_date),
  user: (v: unknown) => userInput.safeParse(v).data?.selected_user ?? null,
  checked: (v: unknown) => (checkboxInput.safeParse(v).data?.selected_options.length ?? 0) > 0,
};

export function parseJson<T>(schema: z.ZodType<T>, text: string): T | null {
  try {
    const result = schema.safeParse(JSON.parse(text || "{}"));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

/** A submitted form and its private_metadata, or null when either cannot be trusted. */
export function parseForm<T>(body: unknown, metadataSchema: z.ZodType<T>) {
  const payload = viewSubmission.safeParse(body);
  const metadata = payload.success ? parseJson(metadataSchema, payload.data.view.private_metadata) : null;
  return payload.success && metadata ? { user: payload.data.user, values: payload.data.view.state.values, metadata } : null;
}
