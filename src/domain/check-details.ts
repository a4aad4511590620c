import { z } from "zod";
import type { AutomaticCheck } from "./policy.ts";

// Why an automatic check passed or failed, as facts the views render: one
// shape per automatic check, defined once. Stored as JSON with the check and
// read back through these schemas; a detail another version wrote in another
// shape reads as null (the card then says nothing rather than something wrong).

export const CHECK_DETAILS = {
  no_pending_charges: z.object({
    count: z.number(),
    /** Per currency, in minor units as decimal text (bigints do not survive JSON). */
    totalsMinor: z.record(z.string(), z.string()),
    /** The first few (the count is always exact). */
    charges: z.array(z.object({ number: z.string(), amountMinor: z.string(), currency: z.string(), dueOn: z.string() })),
  }),
  no_equipment_out: z.object({ count: z.number(), equipment: z.array(z.object({ serial: z.string(), description: z.string() })) }),
  dunning_complete: z.object({ done: z.number(), total: z.number() }),
  management_approval: z.object({ approvers: z.array(z.string()) }),
} as const satisfies Record<AutomaticCheck, z.ZodType>;

export type CheckDetail<C extends AutomaticCheck> = z.infer<(typeof CHECK_DETAILS)[C]>;

/** A stored detail in its check's shape, or null (none yet, or not in this version's shape). */
export function readCheckDetail<C extends AutomaticCheck>(check: C, detail: unknown): CheckDetail<C> | null {
  if (detail === null || detail === undefined) return null;
  const parsed = CHECK_DETAILS[check].safeParse(detail);
  return parsed.success ? (parsed.data as CheckDetail<C>) : null;
}
