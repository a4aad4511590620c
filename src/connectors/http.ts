import { createHmac, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { Db } from "../db/database.ts";
import { searchKey } from "../domain/text.ts";
import {
  ClientNotInSystemError,
  type ActionContext,
  type ActionOutcome,
  type ClientRecord,
  type LoanedEquipment,
  type PendingCharge,
  type SystemOfRecord,
  type WorkOrderInput,
} from "./system-of-record.ts";

/**
 * The system of record over HTTP, for companies whose clients live in their
 * own billing system or CRM. The contract (README, "HTTP connector"): every
 * call is a POST of JSON under the base URL, signed with HMAC-SHA256 over
 * `v1:<timestamp>:<body>` with the shared secret; actions carry an
 * Idempotency-Key the other side must honour. Every answer is validated;
 * 5xx, 429 and timeouts are retried with backoff; a refusal or an answer that
 * makes no sense becomes a ConnectorError whose message is shown on the card.
 *
 * Requests reference clients by a local row (the audit trail and the request
 * tables need one), so every client read is mirrored into the Client table:
 * ref, name and status, never more than the other side said.
 */
export interface HttpConnectorOptions {
  baseUrl: string;
  secret: string;
  timeoutMs: number;
  retries: number;
  /** First backoff; doubled on each retry. */
  backoffMs?: number;
}

export class ConnectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectorError";
  }
}

const clientSchema = z.object({
  ref: z.string().min(1).max(64),
  name: z.string().min(1).max(300),
  status: z.enum(["active", "inactive"]),
  third_party: z.boolean().default(false),
  hosted_database: z.boolean().default(false),
  inactivated_at: z.iso.datetime({ offset: true }).nullish(),
  inactivated_by: z.string().max(100).nullish(),
  inactivation_reason: z.string().max(2000).nullish(),
});
type RemoteClient = z.infer<typeof clientSchema>;

const responses = {
  search: z.object({ clients: z.array(clientSchema).max(500) }),
  get: z.object({ client: clientSchema.nullable() }),
  charges: z.object({
    charges: z
      .array(z.object({ number: z.string().min(1).max(64), amount_minor: z.string().regex(/^-?\d{1,18}$/, "an integer in minor units, as a string"), currency: z.string().regex(/^[A-Z]{3}$/), due_on: z.iso.date() }))
      .max(10_000),
  }),
  equipment: z.object({ equipment: z.array(z.object({ serial: z.string().min(1).max(100), description: z.string().max(300) })).max(10_000) }),
  outcome: z.object({ outcome: z.record(z.string(), z.unknown()) }),
  workOrder: z.object({ number: z.string().min(1).max(64) }),
};

const ACTION_PATHS = {
  inactivateClient: "actions/inactivate-client",
  reactivateClient: "actions/reactivate-client",
  holdInvoices: "actions/hold-invoices",
  cancelSubscriptions: "actions/cancel-subscriptions",
  keepLoginRecords: "actions/keep-login-records",
  sendToCollections: "actions/send-to-collections",
  releaseInvoices: "actions/release-invoices",
  deleteClientData: "actions/delete-client-data",
} as const;

export class HttpSystemOfRecord implements SystemOfRecord {
  readonly name = "http";
  private readonly backoffMs: number;

  constructor(
    private readonly db: Db,
    private readonly options: HttpConnectorOptions,
  ) {
    this.backoffMs = options.backoffMs ?? 250;
  }

  async findClients(query: string, limit: number): Promise<ClientRecord[]> {
    const { clients } = await this.call("clients/search", { query, limit }, responses.search);
    return this.mirrorMany(clients.slice(0, limit));
  }

  async getClient(ref: string): Promise<ClientRecord | null> {
    const { client } = await this.call("clients/get", { ref }, responses.get);
    if (client && client.ref !== ref) throw new ConnectorError(`asked for client "${ref}", the system of record answered with "${client.ref}"`);
    return client ? this.mirror(client) : null;
  }

  async pendingCharges(ref: string): Promise<PendingCharge[]> {
    const { charges } = await this.call("clients/pending-charges", { ref }, responses.charges);
    return charges.map((c) => ({ number: c.number, amountMinor: BigInt(c.amount_minor), currency: c.currency, dueOn: c.due_on }));
  }

  async equipmentOut(ref: string): Promise<LoanedEquipment[]> {
    return (await this.call("clients/equipment-out", { ref }, responses.equipment)).equipment;
  }

  inactivateClient(ref: string, context: ActionContext) {
    return this.act("inactivateClient", ref, context);
  }
  reactivateClient(ref: string, context: ActionContext) {
    return this.act("reactivateClient", ref, context);
  }
  holdInvoices(ref: string, context: ActionContext) {
    return this.act("holdInvoices", ref, context);
  }
  cancelSubscriptions(ref: string, context: ActionContext) {
    return this.act("cancelSubscriptions", ref, context);
  }
  keepLoginRecords(ref: string, context: ActionContext) {
    return this.act("keepLoginRecords", ref, context);
  }
  sendToCollections(ref: string, context: ActionContext) {
    return this.act("sendToCollections", ref, context);
  }
  releaseInvoices(ref: string, context: ActionContext) {
    return this.act("releaseInvoices", ref, context);
  }

  async deleteClientData(ref: string, context: ActionContext): Promise<ActionOutcome> {
    const outcome = await this.act("deleteClientData", ref, context);
    await this.db.client.updateMany({ where: { ref, dataDeletedAt: null }, data: { dataDeletedAt: context.at } });
    return outcome;
  }

  async createWorkOrder(ref: string, order: WorkOrderInput, context: ActionContext): Promise<{ number: string }> {
    return this.call("work-orders", { ref, kind: order.kind, items: order.items, actor: context.actor, at: context.at.toISOString() }, responses.workOrder, context.idempotencyKey);
  }

  /** An action: sent with its idempotency key; the client is read again afterwards, so the local mirror shows its new status. */
  private async act(action: keyof typeof ACTION_PATHS, ref: string, context: ActionContext): Promise<ActionOutcome> {
    const body = { ref, actor: context.actor, at: context.at.toISOString(), ...(context.reason ? { reason: context.reason } : {}) };
    const { outcome } = await this.call(ACTION_PATHS[action], body, responses.outcome, context.idempotencyKey);
    const client = await this.getClient(ref);
    if (!client) throw new ClientNotInSystemError(ref);
    return outcome;
  }

  /** One signed POST, retried on 5xx, 429, timeouts and network errors; the answer validated. */
  private async call<T>(path: string, payload: object, schema: z.ZodType<T>, idempotencyKey?: string): Promise<T> {
    const url = new URL(path, this.options.baseUrl).toString();
    const body = JSON.stringify(payload);
    const requestId = randomUUID();
    let last = "";
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      if (attempt > 0) await sleep(this.backoffMs * 2 ** (attempt - 1));
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = createHmac("sha256", this.options.secret).update(`v1:${timestamp}:${body}`).digest("hex");
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-offboard-timestamp": timestamp,
            "x-offboard-signature": `v1=${signature}`,
            "x-offboard-request-id": requestId,
            ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
          },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
      } catch (error) {
        last = isTimeout(error) ? `did not answer within ${this.options.timeoutMs / 1000}s` : `could not be reached (${(error as Error).message})`;
        continue;
      }
      const text = await response.text().catch(() => "");
      if (response.status >= 500 || response.status === 429) {
        last = `answered ${response.status}`;
        continue;
      }
      if (response.status >= 400) throw new ConnectorError(`the system of record refused (${response.status}): ${refusalMessage(text)}`);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ConnectorError(`the system of record answered something that is not JSON (${path}): ${clip(text)}`);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const problems = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(answer)"}: ${i.message}`).join("; ");
        throw new ConnectorError(`the system of record answered something Offboard cannot read (${path}): ${problems}`);
      }
      return parsed.data;
    }
    throw new ConnectorError(`the system of record ${last} (${path}, ${this.options.retries + 1} attempts)`);
  }

  /**
   * Search results (a typeahead asks on every keystroke): the clients not seen
   * before are created in one statement, only those that changed are updated.
   */
  private async mirrorMany(remotes: RemoteClient[]): Promise<ClientRecord[]> {
    const refs = remotes.map((r) => r.ref);
    const known = new Map((await this.db.client.findMany({ where: { ref: { in: refs } } })).map((row) => [row.ref, row]));
    const missing = remotes.filter((r) => !known.has(r.ref));
    if (missing.length) await this.db.client.createMany({ data: missing.map((r) => ({ ref: r.ref, refKey: searchKey(r.ref), ...mirrorFields(r) })), skipDuplicates: true });
    const changed = remotes.filter((r) => {
      const row = known.get(r.ref);
      return row && (row.name !== r.name || row.status !== r.status || row.thirdParty !== r.third_party || row.hostedDatabase !== r.hosted_database);
    });
    for (const remote of changed) await this.mirror(remote);
    const rows = new Map((await this.db.client.findMany({ where: { ref: { in: refs } } })).map((row) => [row.ref, row]));
    return refs.flatMap((ref) => {
      const row = rows.get(ref);
      return row ? [toRecord(row)] : [];
    });
  }

  /** Keeps a local row per remote client (requests and the audit trail point at it). */
  private async mirror(remote: RemoteClient): Promise<ClientRecord> {
    const fields = mirrorFields(remote);
    const row = await this.db.client.upsert({ where: { ref: remote.ref }, create: { ref: remote.ref, refKey: searchKey(remote.ref), ...fields }, update: fields });
    return toRecord(row);
  }
}

function mirrorFields(remote: RemoteClient) {
  return {
    name: remote.name,
    nameKey: searchKey(remote.name),
    status: remote.status,
    thirdParty: remote.third_party,
    hostedDatabase: remote.hosted_database,
    inactivatedAt: remote.inactivated_at ? new Date(remote.inactivated_at) : null,
    inactivatedBy: remote.inactivated_by ?? null,
    inactivationReason: remote.inactivation_reason ?? null,
  };
}

function toRecord(row: Awaited<ReturnType<Db["client"]["findUniqueOrThrow"]>>): ClientRecord {
  return {
      id: row.id,
      ref: row.ref,
      name: row.name,
      status: row.status,
      thirdParty: row.thirdParty,
      hostedDatabase: row.hostedDatabase,
      inactivatedAt: row.inactivatedAt,
      inactivatedBy: row.inactivatedBy,
      inactivationReason: row.inactivationReason,
    };
}


function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

const refusal = z.object({ error: z.object({ message: z.string().max(500) }) });

function refusalMessage(text: string): string {
  try {
    const parsed = refusal.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data.error.message;
  } catch {
    // Not JSON: quote it.
  }
  return clip(text) || "no reason given";
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
