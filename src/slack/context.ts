import type { Language, Policy } from "../domain/policy.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { People } from "./people.ts";
import type { Publisher } from "./publisher.ts";
import type { ViewContext } from "./views/format.ts";

/** What every listener gets: the use cases, who people are, and how to show results. */
export interface SlackDeps {
  services: ServiceDeps;
  people: People;
  publisher: Publisher;
  policy: Policy;
  log: (message: string, error?: unknown) => void;
}

export function viewContext(policy: Policy, language: Language): ViewContext {
  return { language, policyLanguage: policy.language, timezone: policy.timezone };
}

export async function userContext(deps: SlackDeps, userId: string): Promise<ViewContext> {
  return viewContext(deps.policy, await deps.people.languageOf(userId));
}
