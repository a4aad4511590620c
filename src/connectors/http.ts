import { createHmac, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { Db } from "../db/database.ts";
import { searchKey } from "../domain/text.ts";
import {
  RefusedBySystemError,
  type ActionContext,
  type ActionOutcome,
  type ClientRecord,
  type Contact,
  type LoanedEquipment,
  type PendingCharge,
  type SystemOfRecord,
  type WorkOrderInput,
} from "./system-of-record.ts";
import { ACTION_PATHS, clientSchema, refusalSchema, responses } from "./contract.ts";

/**
 * The system of record over HTTP, for companies whose clients live in their
 * own billing system or CRM. The contract (README, "HTTP connector"): every
 * call is a POST of JSON under the base URL, signed with HMAC-SHA256 over the
 * whole request (`v2`: timestamp, method, path, idempotency key, body; `v1`,
 * the body only, is still sent for one release) with the shared secret;
 * actions carry an Idempotency-Key that identifies one attempt of one action.
 * Every answer is validated; 5xx, 429 and timeouts are retried with backoff
 * (or as long as Retry-After asks, within the call's budget); a refusal (4xx)
 * becomes a RefusedBySystemError, an answer that makes no sense a
 * ConnectorError, whose message is shown on the card.
 *
 * Requests reference clients by a local row (the audit trail and the request
 * tables need one), so every client read is mirrored into the Client table:
 * ref, name and status, never more than the other side said.
 */
export interface HttpConnectorOptions {
  baseUrl: string;
  /** At least MIN_SECRET_LENGTH characters; its UTF-8 bytes are the HMAC key. */
  secret: string;
  timeoutMs: number;
  retries: number;
  /** First backoff; doubled on each retry. */
  backoffMs?: number;
}

/** The shared secret's minimum length, in characters (`offboard start` checks it too). */
export const MIN_SECRET_LENGTH = 16;
/** A signature whose timestamp is more than this many seconds away from the server's clock is refused. */
export const SIGNATURE_WINDOW_SECONDS = 300;

export class ConnectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectorError";
  }
}

/** What a request signature covers. `idempotencyKey` is empty on reads. */
export interface SignedParts {
  /** Unix seconds, as sent in X-Offboard-Timestamp. */
  timestamp: string;
  method: string;
  /** The URL path as sent (base URL's path + operation), e.g. `/offboard/actions/hold-invoices`. */
  path: string;
  idempotencyKey: string | null | undefined;
  /** The raw body, exactly as sent. */
  body: string;
}

/** The string `v2` signs: `v2:<timestamp>:<METHOD>:<path>:<idempotency key or empty>:<raw body>`. */
export function v2SignedString(parts: SignedParts): string {
  return `v2:${parts.timestamp}:${parts.method.toUpperCase()}:${parts.path}:${parts.idempotencyKey ?? ""}:${parts.body}`;
}

/** Hex HMAC-SHA256 with the secret's UTF-8 bytes as the key, over the UTF-8 bytes of `text`. */
function hmacHex(secret: string, text: string): string {
  return createHmac("sha256", Buffer.from(secret, "utf8")).update(text, "utf8").digest("hex");
}

/**
 * The signature headers of one request: `X-Offboard-Signature: v1=<hex>`
 * exactly as before (body only; dropped in the next release) and
 * `X-Offboard-Signature-V2: v2=<hex>` over the whole request.
 */
export function signatureHeaders(secret: string, parts: SignedParts): Record<string, string> {
  return {
    "x-offboard-timestamp": parts.timestamp,
    "x-offboard-signature": `v1=${hmacHex(secret, `v1:${parts.timestamp}:${parts.body}`)}`,
    "x-offboard-signature-v2": `v2=${hmacHex(secret, v2SignedString(parts))}`,
  };
}

type RemoteClient = z.infer<typeof clientSchema>;

export class HttpSystemOfRecord implements SystemOfRecord {
  readonly name = "http";
  private readonly backoffMs: number;

  constructor(
    private readonly db: Db,
    private readonly options: HttpConnectorOptions,
  ) {
    this.backoffMs = options.backoffMs ?? 250;
    if (options.secret.length < MIN_SECRET_LENGTH) throw new Error(`the HTTP connector's shared secret must be at least ${MIN_SECRET_LENGTH} characters`);
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

  /** Validated by the contract (emails, E.164 phones, languages): an answer with one bad contact is refused whole, as a ConnectorError. */
  async contacts(ref: string): Promise<Contact[]> {
    const { contacts } = await this.call("clients/contacts", { ref }, responses.contacts);
    return contacts.map((c) => ({ name: c.name, email: c.email ?? null, phone: c.phone ?? null, role: c.role ?? null, language: c.language ?? null, primary: c.primary }));
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

  /**
   * An action: sent with its idempotency key. Its own answer is the truth: a
   * 2xx means it was done, whatever a later read says, so the local mirror
   * follows the action itself (the next read of the client refreshes it).
   */
  private async act(action: keyof typeof ACTION_PATHS, ref: string, context: ActionContext): Promise<ActionOutcome> {
    const body = { ref, actor: context.actor, at: context.at.toISOString(), ...(context.reason ? { reason: context.reason } : {}) };
    const { outcome } = await this.call(ACTION_PATHS[action], body, responses.outcome, context.idempotencyKey);
    if (action === "inactivateClient") {
      await this.db.client.updateMany({ where: { ref }, data: { status: "inactive", inactivatedAt: context.at, inactivatedBy: context.actor, inactivationReason: context.reason ?? null } });
    } else if (action === "reactivateClient") {
      await this.db.client.updateMany({ where: { ref }, data: { status: "active", inactivatedAt: null, inactivatedBy: null, inactivationReason: null } });
    }
    return outcome;
  }

  /**
   * One signed POST, retried on 5xx, 429, timeouts and network errors with the
   * same idempotency key; the answer validated. A Retry-After (seconds or an
   * HTTP date) replaces the backoff when, after it, a whole attempt still fits
   * in the call's budget of timeout × (retries + 1); otherwise the call ends
   * at once, saying how long the other side asked to wait.
   */
  private async call<T>(path: string, payload: object, schema: z.ZodType<T>, idempotencyKey?: string): Promise<T> {
    const target = new URL(path, this.options.baseUrl);
    const url = target.toString();
    const body = JSON.stringify(payload);
    const requestId = randomUUID();
    const started = Date.now();
    const budgetMs = this.options.timeoutMs * (this.options.retries + 1);
    let last = "";
    let waitMs = 0;
    let attempts = 0;
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      if (attempt > 0) await sleep(waitMs);
      attempts = attempt + 1;
      const timestamp = String(Math.floor(Date.now() / 1000));
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...signatureHeaders(this.options.secret, { timestamp, method: "POST", path: target.pathname, idempotencyKey, body }),
            "x-offboard-request-id": requestId,
            ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
          },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
      } catch (error) {
        last = isTimeout(error) ? `did not answer within ${this.options.timeoutMs / 1000}s` : `could not be reached (${(error as Error).message})`;
        waitMs = this.backoffMs * 2 ** attempt;
        continue;
      }
      const text = await response.text().catch(() => "");
      if (response.status >= 500 || response.status === 429) {
        last = `answered ${response.status}`;
        waitMs = this.backoffMs * 2 ** attempt;
        const asked = retryAfterMs(response.headers.get("retry-after"), Date.now());
        if (asked !== null) {
          if (attempt === this.options.retries) break;
          if (Date.now() - started + asked + this.options.timeoutMs > budgetMs) {
            throw new ConnectorError(`the system of record answered ${response.status} and asked to be called again in ${Math.ceil(asked / 1000)}s, longer than Offboard waits (${path}): try again later`);
          }
          waitMs = asked;
        }
        continue;
      }
      if (response.status >= 400) throw new RefusedBySystemError(`the system of record refused (${response.status}): ${refusalMessage(text)}`, response.status);
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
    throw new ConnectorError(`the system of record ${last} (${path}, ${attempts} attempts)`);
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


/** Retry-After as milliseconds from `now`: delay-seconds or an HTTP date (a past date is 0); null when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

function refusalMessage(text: string): string {
  try {
    const parsed = refusalSchema.safeParse(JSON.parse(text));
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
