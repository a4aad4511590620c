import type { SystemOfRecord } from "../connectors/system-of-record.ts";
import type { CheckDetail } from "../domain/check-details.ts";
import type { AutomaticResult } from "../domain/request.ts";
import type { RequestSnapshot } from "../domain/request.ts";

/** How many items an automatic check's detail lists (the card shows them; the count is always exact). */
const LISTED = 10;

export type AutomaticResults = Partial<Record<"no_pending_charges" | "no_equipment_out" | "dunning_complete", AutomaticResult>>;

/** Asks the system of record for what the snapshot's automatic checks need, and nothing else. */
export async function evaluateAutomaticChecks(sor: SystemOfRecord, ref: string, snapshot: RequestSnapshot): Promise<AutomaticResults> {
  const wanted = new Set(snapshot.checks.map((c) => c.automatic));
  const results: AutomaticResults = {};
  if (wanted.has("no_pending_charges")) {
    const charges = await sor.pendingCharges(ref);
    const totals: Record<string, string> = {};
    for (const c of charges) totals[c.currency] = (BigInt(totals[c.currency] ?? "0") + c.amountMinor).toString();
    results.no_pending_charges = {
      passed: charges.length === 0,
      detail: {
        count: charges.length,
        totalsMinor: totals,
        charges: charges.slice(0, LISTED).map((c) => ({ number: c.number, amountMinor: c.amountMinor.toString(), currency: c.currency, dueOn: c.dueOn })),
      } satisfies CheckDetail<"no_pending_charges">,
    };
  }
  if (wanted.has("no_equipment_out")) {
    const equipment = await sor.equipmentOut(ref);
    results.no_equipment_out = {
      passed: equipment.length === 0,
      detail: { count: equipment.length, equipment: equipment.slice(0, LISTED) } satisfies CheckDetail<"no_equipment_out">,
    };
  }
  return results;
}
