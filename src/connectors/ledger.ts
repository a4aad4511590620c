import type { Db } from "../db/database.ts";
import { isE164 } from "../domain/contacts.ts";
import { searchKey } from "../domain/text.ts";
import {
  ClientNotInSystemError,
  type ActionContext,
  type ActionOutcome,
  type ClientRecord,
  type Contact,
  type LoanedEquipment,
  type PendingCharge,
  type SystemOfRecord,
  type WorkOrderInput,
} from "./system-of-record.ts";

/** Built once: localeCompare builds a collator on every call. */
const NAME_ORDER = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

const clientFields = {
  id: true,
  ref: true,
  name: true,
  status: true,
  thirdParty: true,
  hostedDatabase: true,
  inactivatedAt: true,
  inactivatedBy: true,
  inactivationReason: true,
} as const;

/** The built-in system of record, on Offboard's own database (filled by `offboard … import`). */
export class Ledger implements SystemOfRecord {
  readonly name = "ledger";
  constructor(private readonly db: Db) {}

  async findClients(query: string, limit: number): Promise<ClientRecord[]> {
    const key = searchKey(query);
    if (!key) return [];
    const byRef = await this.db.client.findUnique({ where: { refKey: key }, select: clientFields });
    // The pattern goes to PostgreSQL as a plain value, so the planner sees it and
    // uses the trigram index (Prisma's `contains` builds it in SQL, which it cannot).
    const pattern = `%${key.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const matching = await this.db.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Client" WHERE "nameKey" LIKE ${pattern} LIMIT ${limit * 4}`;
    const ids = matching.map((r) => r.id).filter((id) => id !== byRef?.id);
    const rows = ids.length ? await this.db.client.findMany({ where: { id: { in: ids } }, select: { ...clientFields, nameKey: true } }) : [];
    // Whole name first, then names starting with the query, then the rest (ranked once per row, on the stored key).
    const rank = (nameKey: string) => (nameKey === key ? 0 : nameKey.startsWith(key) ? 1 : 2);
    const byName = rows
      .map(({ nameKey, ...client }) => ({ client, rank: rank(nameKey) }))
      .sort((a, b) => a.rank - b.rank || NAME_ORDER.compare(a.client.name, b.client.name))
      .map((r) => r.client);
    return [...(byRef ? [byRef] : []), ...byName].slice(0, limit);
  }

  getClient(ref: string): Promise<ClientRecord | null> {
    return this.db.client.findUnique({ where: { ref }, select: clientFields });
  }

  async pendingCharges(ref: string): Promise<PendingCharge[]> {
    const client = await this.require(ref);
    const invoices = await this.db.invoice.findMany({
      where: { clientId: client.id, status: "open" },
      orderBy: [{ dueOn: "asc" }, { number: "asc" }],
    });
    return invoices.map((i) => ({
      number: i.number,
      amountMinor: i.amountMinor,
      currency: i.currency,
      dueOn: i.dueOn.toISOString().slice(0, 10),
    }));
  }

  async equipmentOut(ref: string): Promise<LoanedEquipment[]> {
    const client = await this.require(ref);
    const loans = await this.db.equipmentLoan.findMany({ where: { clientId: client.id, status: "out" }, orderBy: { serial: "asc" } });
    return loans.map((l) => ({ serial: l.serial, description: l.description }));
  }

  /**
   * Active contacts, the primary first, then in the order they were imported.
   * A phone stored before phones were E.164 that could not be made so is
   * left out (null): it cannot be written to; `offboard clients show` shows it.
   */
  async contacts(ref: string): Promise<Contact[]> {
    const client = await this.require(ref);
    const rows = await this.db.contact.findMany({
      where: { clientId: client.id, active: true },
      select: { name: true, email: true, phone: true, role: true, language: true, isPrimary: true },
      orderBy: [{ isPrimary: "desc" }, { createdAt: "asc" }, { name: "asc" }, { id: "asc" }],
    });
    return rows.map((c) => ({
      name: c.name,
      email: c.email,
      phone: isE164(c.phone) ? c.phone : null,
      role: c.role,
      language: c.language,
      primary: c.isPrimary,
    }));
  }

  async inactivateClient(ref: string, context: ActionContext): Promise<ActionOutcome> {
    const client = await this.require(ref);
    const { count } = await this.db.client.updateMany({
      where: { id: client.id, status: "active" },
      data: { status: "inactive", inactivatedAt: context.at, inactivatedBy: context.actor, inactivationReason: context.reason ?? null },
    });
    return { inactivated: count === 1, alreadyInactive: count === 0 };
  }

  async reactivateClient(ref: string, context: ActionContext): Promise<ActionOutcome> {
    const client = await this.require(ref);
    const { count } = await this.db.client.updateMany({
      where: { id: client.id, status: "inactive" },
      data: { status: "active", reactivatedAt: context.at, reactivatedBy: context.actor },
    });
    return { reactivated: count === 1, alreadyActive: count === 0 };
  }

  async holdInvoices(ref: string, context: ActionContext): Promise<ActionOutcome> {
    const client = await this.require(ref);
    return this.db.$transaction(async (tx) => {
      const open = await tx.invoice.findMany({
        where: { clientId: client.id, status: "open", onHold: false },
        select: { id: true, number: true },
        orderBy: { number: "asc" },
      });
      await tx.invoice.updateMany({
        where: { id: { in: open.map((i) => i.id) } },
        data: { onHold: true, heldAt: context.at, heldBy: context.actor },
      });
      return { held: open.map((i) => i.number) };
    });
  }

  async cancelSubscriptions(ref: string, context: ActionContext): Promise<ActionOutcome> {
    const client = await this.require(ref);
    return this.db.$transaction(async (tx) => {
      const active = await tx.subscription.findMany({
        where: { clientId: client.id, status: "active" },
        select: { id: true, plan: true },
        orderBy: { plan: "asc" },
      });
      await tx.subscription.updateMany({
        where: { id: { in: active.map((s) => s.id) } },
        data: { status: "cancelled", cancelledAt: context.at, cancelledBy: context.actor },
      });
      return { cancelled: active.map((s) => s.plan) };
    });
  }

  /** Login records are never deleted here (a trigger refuses it): they stay linked; the list is returned to be recorded. */
  async keepLoginRecords(ref: string, context: ActionContext): Promise<ActionOutcome> {
    void context;
    const client = await this.require(ref);
    const logins = await this.db.serviceLogin.findMany({ where: { clientId: client.id }, orderBy: { login: "asc" }, select: { login: true } });
    return { kept: logins.map((l) => l.login) };
  }

  async releaseInvoices(ref: string, context: ActionContext): Promise<ActionOutcome> {
    void context;
    const client = await this.require(ref);
    return this.db.$transaction(async (tx) => {
      const held = await tx.invoice.findMany({ where: { clientId: client.id, onHold: true }, select: { id: true, number: true }, orderBy: { number: "asc" } });
      await tx.invoice.updateMany({ where: { id: { in: held.map((i) => i.id) } }, data: { onHold: false } });
      return { released: held.map((i) => i.number) };
    });
  }

  async sendToCollections(ref: string, context: ActionContext): Promise<ActionOutcome> {
    const client = await this.require(ref);
    return this.db.$transaction(async (tx) => {
      const open = await tx.invoice.findMany({ where: { clientId: client.id, status: "open", sentToCollectionsAt: null }, select: { id: true, number: true }, orderBy: { number: "asc" } });
      await tx.invoice.updateMany({ where: { id: { in: open.map((i) => i.id) } }, data: { sentToCollectionsAt: context.at, sentToCollectionsBy: context.actor } });
      return { sent: open.map((i) => i.number) };
    });
  }

  async createWorkOrder(ref: string, order: WorkOrderInput, context: ActionContext): Promise<{ number: string }> {
    const client = await this.require(ref);
    const row = await this.db.workOrder.upsert({
      where: { idempotencyKey: context.idempotencyKey },
      create: { clientId: client.id, kind: order.kind, items: order.items as unknown as object[], idempotencyKey: context.idempotencyKey, createdBy: context.actor },
      update: {},
    });
    return { number: `OS-${row.number}` };
  }

  async deleteClientData(ref: string, context: ActionContext): Promise<ActionOutcome> {
    const client = await this.require(ref);
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.contact.updateMany({ where: { clientId: client.id }, data: { name: "", email: null, phone: null, active: false } });
      const stamped = await tx.client.updateMany({ where: { id: client.id, dataDeletedAt: null }, data: { dataDeletedAt: context.at } });
      return { contactsScrubbed: count, alreadyDeleted: stamped.count === 0 };
    });
  }

  private async require(ref: string): Promise<{ id: string }> {
    const client = await this.db.client.findUnique({ where: { ref }, select: { id: true } });
    if (!client) throw new ClientNotInSystemError(ref);
    return client;
  }
}
