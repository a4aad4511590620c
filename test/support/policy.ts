import { policySchema } from "../../src/config/policy-schema.ts";
import type { Policy } from "../../src/domain/policy.ts";

export const REQUESTER = "U0REQUESTER";
export const MANAGER_A = "U0MANAGERA";
export const MANAGER_B = "U0MANAGERB";
export const STRANGER = "U0STRANGER";

/** The policy most tests use, written as an admin would (snake_case), parsed by the real schema. */
export function testPolicy(overrides: PolicyOverrides = {}): Policy {
  return policySchema.parse(testPolicyInput(overrides));
}

type PolicyOverrides = { required?: number; allowSelfApproval?: boolean; language?: "en" | "es" | "pt" };

/** The same policy as the admin's YAML would hold it (for a bot started as a process). */
export function testPolicyInput(overrides: PolicyOverrides = {}) {
  return {
    version: 1,
    timezone: "America/Montevideo",
    language: overrides.language ?? "es",
    channels: { requests: "C0REQUESTS", management: "C0MANAGERS" },
    approvers: {
      users: [MANAGER_A, MANAGER_B],
      required: overrides.required ?? 1,
      allow_self_approval: overrides.allowSelfApproval ?? false,
    },
    kinds: {
      voluntary: {
        label: { en: "Voluntary", es: "Baja voluntaria" },
        checks: [
          { id: "written_request", label: "Written request", evidence: "required" },
          { id: "phone_call", label: "Phone call", evidence: "none" },
          { id: "third_party", label: "Third party confirmed", evidence: "optional", when: { third_party: true } },
          { id: "db_handover", label: "DB handed over", when: { hosted_database: true } },
          { id: "courtesy_note", label: "Courtesy note", required: false },
          { id: "no_pending_charges", label: "No pending charges", automatic: "no_pending_charges" },
          { id: "management_approval", label: "Management approval", automatic: "management_approval" },
        ],
        actions: ["hold_invoices", "inactivate_client"],
      },
      toggle: { label: "Plain toggle", actions: ["inactivate_client"], reactivation: { allowed: true } },
      // Seed 003: invoices on hold and subscriptions cancelled, no checks.
      on_hold: { label: "Deactivate company", actions: ["hold_invoices", "cancel_subscriptions", "inactivate_client"] },
      final: { label: "Final", actions: ["cancel_subscriptions", "inactivate_client"], reactivation: { allowed: false } },
    },
  };
}
