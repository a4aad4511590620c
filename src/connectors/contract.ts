import { z } from "zod";
import { CONTACT_LANGUAGES, E164, ROLE } from "../domain/contacts.ts";

/**
 * The HTTP connector's contract as zod schemas: what Offboard sends (request
 * bodies) and what it accepts (answers). The connector (http.ts) validates
 * every answer with these, `offboard connector check` validates a company's
 * server with them, and docs/connector.openapi.json is generated from them
 * (`offboard connector schema`), so the published contract cannot drift.
 */

export const clientSchema = z
  .object({
    ref: z.string().min(1).max(64).describe("Your identifier for the client, as typed in /deactivate (1-64 characters)"),
    name: z.string().min(1).max(300),
    status: z.enum(["active", "inactive"]),
    third_party: z.boolean().default(false).describe("The client is served through a third party. A boolean; absent means false; null is refused"),
    hosted_database: z.boolean().default(false).describe("You host the client's database. A boolean; absent means false; null is refused"),
    inactivated_at: z.iso.datetime({ offset: true }).nullish().describe("ISO 8601 date-time with Z or an offset; null or absent when active or unknown"),
    inactivated_by: z.string().max(100).nullish(),
    inactivation_reason: z.string().max(2000).nullish(),
  })
  .describe("Client");

export const pendingChargeSchema = z
  .object({
    number: z.string().min(1).max(64),
    amount_minor: z.string().regex(/^-?\d{1,18}$/, "an integer in minor units, as a string"),
    currency: z.string().regex(/^[A-Z]{3}$/),
    due_on: z.iso.date(),
  })
  .describe("An unpaid invoice (held invoices included). amount_minor: integer minor units as a string, e.g. \"1500\" for 15.00 USD");

export const equipmentSchema = z.object({ serial: z.string().min(1).max(100), description: z.string().max(300) }).describe("Loaned equipment still with the client");

export const contactSchema = z
  .object({
    name: z.string().min(1).max(200),
    email: z.email("an email address").max(254).nullish().describe("An email address; null or absent when none"),
    phone: z
      .string()
      .regex(E164, "a phone number in E.164: + and the country code, digits only, e.g. +59899123456")
      .nullish()
      .describe("E.164: + and the country code, digits only (+59899123456); null or absent when none"),
    role: z
      .string()
      .regex(ROLE, "a role id in lower_snake_case, e.g. billing")
      .nullish()
      .describe("What the contact is for, a lower_snake_case id of your choosing (billing, owner, technical…); collection messages go to `billing` contacts first"),
    language: z.enum(CONTACT_LANGUAGES).nullish().describe("The language to write to the contact in; null or absent: the policy's"),
    primary: z.boolean().default(false).describe("The client's main contact (written to after billing contacts). A boolean; absent means false"),
  })
  .describe("A person Offboard may write to about the client (collection emails, the final notice, WhatsApp)");

/** Every answer Offboard accepts (any 2xx status with one of these JSON bodies). */
export const responses = {
  search: z.object({ clients: z.array(clientSchema).max(500) }),
  get: z.object({ client: clientSchema.nullable() }),
  charges: z.object({ charges: z.array(pendingChargeSchema).max(10_000) }),
  equipment: z.object({ equipment: z.array(equipmentSchema).max(10_000) }),
  contacts: z.object({ contacts: z.array(contactSchema).max(500) }),
  outcome: z.object({ outcome: z.record(z.string(), z.unknown()).describe("Facts about what was done, kept on the audit trail") }),
  workOrder: z.object({ number: z.string().min(1).max(64) }),
};

/** A refusal: any 4xx other than 429 (401 for a bad signature or timestamp, 404 for an unknown ref on an action). */
export const refusalSchema = z.object({ error: z.object({ message: z.string().max(500) }) });

const actor = z.string().min(1).describe("Slack user id of the person it is done for, or `system`");
const at = z.iso.datetime().describe("When, ISO 8601 UTC with milliseconds");

/** The bodies Offboard sends. */
export const requests = {
  search: z.object({ query: z.string().describe("What the person typed"), limit: z.number().int().min(1).max(500) }),
  ref: z.object({ ref: z.string().min(1) }),
  action: z.object({ ref: z.string().min(1), actor, at, reason: z.string().optional() }),
  workOrder: z.object({ ref: z.string().min(1), kind: z.literal("equipment_retrieval"), items: z.array(equipmentSchema), actor, at }),
};

export const ACTION_PATHS = {
  inactivateClient: "actions/inactivate-client",
  reactivateClient: "actions/reactivate-client",
  holdInvoices: "actions/hold-invoices",
  cancelSubscriptions: "actions/cancel-subscriptions",
  keepLoginRecords: "actions/keep-login-records",
  sendToCollections: "actions/send-to-collections",
  releaseInvoices: "actions/release-invoices",
  deleteClientData: "actions/delete-client-data",
} as const;

const ACTION_NOTES: Record<keyof typeof ACTION_PATHS, string> = {
  inactivateClient: "Mark the client inactive.",
  reactivateClient: "Mark the client active again.",
  holdInvoices: "Put the client's open invoices on hold (stops reminders; held invoices stay pending charges).",
  cancelSubscriptions: "Cancel the client's subscriptions (irreversible).",
  keepLoginRecords: "Keep the client's login records after the contract ends (regulatory).",
  sendToCollections: "Hand the client's unpaid invoices to collections.",
  releaseInvoices: "Take the client's invoices off hold.",
  deleteClientData:
    "Scrub the client's personal data: every contact's name, email address and phone number, and any other personal data you hold about its people. Keep the client record (ref, name, status), its invoices and the login records kept by keep-login-records.",
};

/** The operations, in the order the README lists them: path, body sent, answer accepted. */
export const OPERATIONS: { path: string; summary: string; request: z.ZodType; response: z.ZodType; idempotencyKey: boolean }[] = [
  { path: "clients/search", summary: "Find clients: the ref equal to the query first, then names equal to it, starting with it, containing it; without case, accents or punctuation.", request: requests.search, response: responses.search, idempotencyKey: false },
  { path: "clients/get", summary: "One client; {\"client\": null} (200) when the ref is unknown.", request: requests.ref, response: responses.get, idempotencyKey: false },
  { path: "clients/pending-charges", summary: "The client's unpaid invoices, held ones included; [] (200) when the ref is unknown or nothing is due.", request: requests.ref, response: responses.charges, idempotencyKey: false },
  { path: "clients/equipment-out", summary: "Loaned equipment still with the client; [] (200) when the ref is unknown.", request: requests.ref, response: responses.equipment, idempotencyKey: false },
  {
    path: "clients/contacts",
    summary:
      "The client's current contacts, the people Offboard may write to (not those you deactivated, nor those whose data was deleted); [] (200) when the ref is unknown or it has none. Phones in E.164, languages en, es or pt: an answer with anything else is refused whole.",
    request: requests.ref,
    response: responses.contacts,
    idempotencyKey: false,
  },
  ...(Object.keys(ACTION_PATHS) as (keyof typeof ACTION_PATHS)[]).map((action) => ({ path: ACTION_PATHS[action], summary: ACTION_NOTES[action], request: requests.action, response: responses.outcome, idempotencyKey: true })),
  { path: "work-orders", summary: "Create an equipment-retrieval work order.", request: requests.workOrder, response: responses.workOrder, idempotencyKey: true },
];

/**
 * The contract as an OpenAPI 3.1 document (its schemas are JSON Schema 2020-12,
 * generated from the zod schemas above: answers as a server may send them,
 * requests as Offboard sends them).
 */
export function connectorOpenApi(): Record<string, unknown> {
  const answer = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" });
  const sent = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "output", target: "draft-2020-12" });
  const strip = (doc: Record<string, unknown>) => {
    const { $schema: _ignored, ...rest } = doc;
    return rest;
  };
  const refusal = { description: "Refused: the reason is shown to the person", content: { "application/json": { schema: strip(answer(refusalSchema)) } } };
  const paths: Record<string, unknown> = {};
  for (const op of OPERATIONS) {
    paths[`/${op.path}`] = {
      post: {
        operationId: op.path.replace(/[/-](.)/g, (_m, c: string) => c.toUpperCase()),
        summary: op.summary,
        parameters: [
          { $ref: "#/components/parameters/Timestamp" },
          { $ref: "#/components/parameters/SignatureV2" },
          { $ref: "#/components/parameters/SignatureV1" },
          { $ref: "#/components/parameters/RequestId" },
          ...(op.idempotencyKey ? [{ $ref: "#/components/parameters/IdempotencyKey" }] : []),
        ],
        requestBody: { required: true, content: { "application/json": { schema: strip(sent(op.request)) } } },
        responses: {
          "2XX": { description: "Done (any 2xx with this JSON body)", content: { "application/json": { schema: strip(answer(op.response)) } } },
          "401": { ...refusal, description: "Bad or missing signature, or a timestamp more than 300 s from your clock" },
          ...(op.idempotencyKey ? { "404": { ...refusal, description: "Unknown ref" } } : {}),
          "4XX": { ...refusal, description: "Refused (other than 429): the attempt is over; a new attempt comes with a new Idempotency-Key" },
          "429": { description: "Busy or rate limited: retried with the same key, after Retry-After when given" },
          "5XX": { description: "Failed: retried with the same key" },
        },
      },
    };
  }
  const header = (name: string, description: string, required: boolean, pattern?: string) => ({ name, in: "header", required, description, schema: { type: "string", ...(pattern ? { pattern } : {}) } });
  return {
    openapi: "3.1.0",
    info: {
      title: "Offboard HTTP connector",
      version: "2",
      description:
        "What your system of record must answer. Generated from the zod schemas Offboard validates with (src/connectors/contract.ts); regenerate with `npx offboard connector schema > docs/connector.openapi.json`. See README.md, \"HTTP connector\".",
    },
    servers: [{ url: "{base_url}", variables: { base_url: { default: "https://billing.example.com/offboard", description: "system_of_record.base_url in the policy" } } }],
    paths,
    components: {
      parameters: {
        Timestamp: header("X-Offboard-Timestamp", "Unix seconds; refuse (401) when more than 300 s from your clock either way", true, "^\\d+$"),
        SignatureV2: header("X-Offboard-Signature-V2", "v2= + hex HMAC-SHA256 of v2:<timestamp>:<METHOD>:<path>:<idempotency key or empty>:<raw body>", true, "^v2=[0-9a-f]{64}$"),
        SignatureV1: header("X-Offboard-Signature", "v1= + hex HMAC-SHA256 of v1:<timestamp>:<raw body> (this release only)", true, "^v1=[0-9a-f]{64}$"),
        RequestId: header("X-Offboard-Request-Id", "The same on every retry of one call", true),
        IdempotencyKey: header("Idempotency-Key", "One attempt of one action: store your 2xx answer for it (30 days at least) and replay it; never store a refusal", true, "^[A-Za-z0-9_:-]{1,200}$"),
      },
    },
  };
}
