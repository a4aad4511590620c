import { auditRepository } from "./audit.ts";
import { clientRepository } from "./clients.ts";
import type { Db, Tx } from "./database.ts";
import { executionStepRepository } from "./execution-steps.ts";
import { homeRepository } from "./home.ts";
import { jobRepository } from "./jobs.ts";
import { ladderRepository } from "./ladders.ts";
import { ledgerImportRepository } from "./ledger-imports.ts";
import { publicationRepository } from "./publications.ts";
import { requestViewRepository } from "./request-views.ts";
import { requestRepository } from "./requests.ts";
import { slackEventRepository } from "./slack-events.ts";

/**
 * Every repository, bound to one database connection: the Prisma client, or
 * a transaction. Each is a plain object of functions, typed by its factory.
 */
export function repositories(db: Tx) {
  return {
    requests: requestRepository(db),
    requestViews: requestViewRepository(db),
    clients: clientRepository(db),
    ladders: ladderRepository(db),
    executionSteps: executionStepRepository(db),
    publications: publicationRepository(db),
    slackEvents: slackEventRepository(db),
    jobs: jobRepository(db),
    audit: auditRepository(db),
    ledgerImports: ledgerImportRepository(db),
    home: homeRepository(db),
  };
}

export type Repositories = ReturnType<typeof repositories>;

/** How a transaction runs: how long it may take, how long it may wait to start, and whether it reads one snapshot. */
export interface TransactionOptions {
  timeoutMs?: number;
  maxWaitMs?: number;
  isolation?: "ReadCommitted" | "RepeatableRead" | "Serializable";
}

/**
 * The data layer as the services see it (ServiceDeps.store): the repositories
 * on the database, and transactions in which the same repositories are bound
 * to the transaction (`tx`). A state change, its audit events and the jobs it
 * schedules are written through one `tx`.
 */
export interface Store extends Repositories {
  transaction<T>(work: (tx: Repositories) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

export function createStore(db: Db): Store {
  return {
    ...repositories(db),
    // db.$transaction is looked up at each call, not bound once.
    transaction: (work, options) =>
      db.$transaction(
        (tx) => work(repositories(tx)),
        options && {
          ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
          ...(options.maxWaitMs !== undefined ? { maxWait: options.maxWaitMs } : {}),
          ...(options.isolation ? { isolationLevel: options.isolation } : {}),
        },
      ),
  };
}
