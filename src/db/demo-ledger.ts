import type { Db } from "./database.ts";

/** True when the built-in ledger has no client at all (the sandbox then loads its demo clients). */
export async function ledgerIsEmpty(db: Db): Promise<boolean> {
  return (await db.client.count()) === 0;
}

/** Subscriptions and login records for clients that already exist (the CSV imports do not carry them). */
export async function addServices(db: Db, services: { clientRef: string; plans: string[]; logins: string[] }[]): Promise<void> {
  await db.$transaction(async (tx) => {
    for (const service of services) {
      const client = await tx.client.findUniqueOrThrow({ where: { ref: service.clientRef }, select: { id: true } });
      if (service.plans.length) await tx.subscription.createMany({ data: service.plans.map((plan) => ({ clientId: client.id, plan })) });
      if (service.logins.length) await tx.serviceLogin.createMany({ data: service.logins.map((login) => ({ clientId: client.id, login })), skipDuplicates: true });
    }
  });
}
