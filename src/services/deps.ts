import type { SystemOfRecord } from "../connectors/system-of-record.ts";
import type { Store } from "../db/store.ts";
import type { Policy } from "../domain/policy.ts";
import type { Clock } from "./clock.ts";

/** Who may decide on requests. The Slack layer adds user-group membership. */
export interface ApproverDirectory {
  isApprover(userId: string): Promise<boolean>;
}

export function policyApprovers(policy: Policy): ApproverDirectory {
  return { isApprover: async (userId) => policy.approvers.users.includes(userId) };
}

export interface ServiceDeps {
  /** The data layer: every query goes through it (src/db/store.ts). */
  store: Store;
  clock: Clock;
  policy: Policy;
  sor: SystemOfRecord;
  approvers: ApproverDirectory;
}
