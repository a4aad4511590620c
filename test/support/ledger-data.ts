import type { Db } from "../../src/db/database.ts";
import { searchKey } from "../../src/domain/text.ts";

let counter = 0;

/** A client with a unique ref, so tests sharing one database never collide. */
export async function createClient(
  db: Db,
  options: { name?: string; ref?: string; thirdParty?: boolean; hostedDatabase?: boolean } = {},
) {
  counter += 1;
  const ref = options.ref ?? `T-${process.pid}-${counter}`;
  const name = options.name ?? `Client ${ref}`;
  return db.client.create({
    data: {
      ref,
      refKey: searchKey(ref),
      name,
      nameKey: searchKey(name),
      thirdParty: options.thirdParty ?? false,
      hostedDatabase: options.hostedDatabase ?? false,
    },
  });
}

export async function addInvoice(db: Db, clientId: string, number: string, amountMinor: bigint, status: "open" | "paid" = "open") {
  return db.invoice.create({ data: { clientId, number, amountMinor, currency: "USD", dueOn: new Date("2026-08-01"), status } });
}
