import type { Tx } from "./database.ts";

// The Events API ids Offboard has taken: Slack sends an event again when it
// thinks the first was lost, and whichever process records it first handles it.

/** True the first time an event id is recorded, by any process sharing the database. */
export async function takeEvent(db: Tx, eventId: string, type: string): Promise<boolean> {
  const inserted = await db.$executeRaw`INSERT INTO "SlackEvent" ("eventId", "type") VALUES (${eventId}, ${type}) ON CONFLICT DO NOTHING`;
  return inserted === 1;
}

/** Slack events received, on the database or inside a transaction. */
export function slackEventRepository(db: Tx) {
  return {
    take: (eventId: string, type: string) => takeEvent(db, eventId, type),
  };
}

export type SlackEventRepository = ReturnType<typeof slackEventRepository>;
