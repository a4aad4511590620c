import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { loadPolicyFile, parsePolicy } from "../../src/config/policy-file.ts";
import { fillMessage, missingValues, PLACEHOLDERS, stepMessages, type Placeholder } from "../../src/domain/messages.ts";
import type { Messages, Policy } from "../../src/domain/policy.ts";
import { openRequest } from "../../src/domain/request.ts";
import { snapshotSchema } from "../../src/domain/snapshot.ts";

// The policy's messages to clients (issue 14, part 1): `messaging.email`, a step's `message` and
// `send`, a kind's `deletion_notice`, and every refusal with its key path and line.

const MESSAGING = `messaging:
  email: { smtp_url_env: OFFBOARD_SMTP_URL, from: "Cobranzas <cobranzas@acme.uy>" }
`;

/**
 * A policy whose one kind deletes data and has a one-step ladder: `step` is that step's lines after
 * `- id: s` (each indented 8; by default an email step); `kind` adds lines to the kind after the ladder.
 */
function policy({ step = email(""), kind = "", messaging = MESSAGING, company = "company: Acme\n", deletion = "end_of_following_month" } = {}): string {
  const head = `version: 1
${company}timezone: America/Montevideo
language: es
channels: { requests: C0REQ, management: C0MGR }
approvers: { users: [U0BOSS] }
${messaging}kinds:
  non_payment:
    label: X
    checks: [{ id: ladder, label: L, automatic: dunning_complete }]
    actions: [inactivate_client]
    calendar: { service_ends: end_of_month, data_deletion: ${deletion} }
    dunning:
      - id: s
        label: S
`;
  return `${head}${step}${kind}`;
}

const email = (lines: string) => `        channel: email\n        after: 1d\n${lines}`;
const whatsapp = (lines: string) => `        channel: whatsapp\n        after: 1d\n${lines}`;

/** Line 18 is the step's `channel:`, 19 its `after:`: what a case adds starts at line 20 (2 lines fewer without messaging). */
const AT = 20;

function problemsOf(text: string): { path: string; line: number | null; message: string }[] {
  const result = parsePolicy(text);
  return result.ok ? [] : result.problems;
}

describe("the base policies of these cases are valid", () => {
  it.each([
    ["an email step with a message", policy({ step: email(`        message: { es: { subject: "Saldo de {client}", body: "Hola {contact_name}" } }\n`) })],
    ["a WhatsApp step with a body", policy({ step: whatsapp(`        message: { es: { body: "Hola {contact_name}" } }\n`) })],
    ["a deletion notice", policy({ step: email(""), kind: `    deletion_notice: { before: 7d, message: { es: { subject: "Borrado", body: "El {deletion_date}" } } }\n` })],
  ])("%s", (_name, text) => {
    expect(problemsOf(text)).toEqual([]);
  });
});

const UNKNOWN = "use {client}, {contact_name}, {company}, {amount_due}, {invoices}, {cutoff}, {deletion_date}, {requester}";
const STEP = "kinds.non_payment.dunning[0]";
const NEEDS_EMAIL = "needs messaging.email at the top of the file: { smtp_url_env: OFFBOARD_SMTP_URL, from: Name <address> }";

describe("policy check refuses, each at its key path and line", () => {
  it.each([
    {
      name: "an unknown placeholder in a body, named, with the allowed ones",
      text: policy({ step: email(`        message:\n          es:\n            subject: Aviso\n            body: "Hola {nombre}, {client}"\n`) }),
      expected: [{ line: AT + 3, path: `${STEP}.message.es.body`, message: `unknown placeholder {nombre}: ${UNKNOWN}` }],
    },
    {
      name: "an unknown placeholder in a subject",
      text: policy({ step: email(`        message:\n          es:\n            subject: "Factura {numero}"\n            body: Hola\n`) }),
      expected: [{ line: AT + 2, path: `${STEP}.message.es.subject`, message: `unknown placeholder {numero}: ${UNKNOWN}` }],
    },
    {
      name: "a message without a body",
      text: policy({ step: email(`        message:\n          es:\n            subject: Aviso\n`) }),
      expected: [{ line: AT + 1, path: `${STEP}.message.es.body`, message: "a message needs a body: the text the client reads" }],
    },
    {
      name: "a blank body",
      text: policy({ step: whatsapp(`        message:\n          es: { body: "  " }\n`) }),
      expected: [{ line: AT + 1, path: `${STEP}.message.es.body`, message: "a message needs a body: the text the client reads" }],
    },
    {
      name: "an email without a subject",
      text: policy({ step: email(`        message:\n          es:\n            body: Hola\n`) }),
      expected: [{ line: AT + 1, path: `${STEP}.message.es.subject`, message: "an email needs a subject" }],
    },
    {
      name: "a subject on two lines",
      text: policy({ step: email(`        message:\n          es: { subject: "Aviso\\nurgente", body: Hola }\n`) }),
      expected: [{ line: AT + 1, path: `${STEP}.message.es.subject`, message: "a subject is one line" }],
    },
    {
      name: "a language key that is not en, es or pt, at the key",
      text: policy({ step: email(`        message:\n          es: { subject: A, body: B }\n          fr:\n            subject: A\n            body: B\n`) }),
      expected: [{ line: AT + 2, path: `${STEP}.message.fr`, message: '"fr" is not a language: use en, es or pt' }],
    },
    {
      name: "a message in no language",
      text: policy({ step: email(`        message: {}\n`) }),
      expected: [{ line: AT, path: `${STEP}.message`, message: "give the message in at least one language: en, es or pt" }],
    },
    {
      name: "a message without the policy's language",
      text: policy({ step: email(`        message:\n          en: { subject: A, body: B }\n`) }),
      expected: [{ line: AT, path: `${STEP}.message`, message: "give this message in es too, the policy's language (used when a contact's language is not one given)" }],
    },
    {
      name: "an email step with a message, without messaging.email",
      text: policy({ messaging: "", step: email(`        message:\n          es: { subject: A, body: B }\n`) }),
      expected: [{ line: AT - 2, path: `${STEP}.message`, message: `an email message ${NEEDS_EMAIL}` }],
    },
    {
      name: "an email step sent by itself, without messaging.email",
      text: policy({ messaging: "messaging: {}\n", step: email(`        send: auto\n`) }),
      expected: [
        { line: AT - 1, path: `${STEP}.send`, message: "send: auto needs the email to send: add message: { LANGUAGE: { subject, body } }" },
        { line: AT - 1, path: `${STEP}.send`, message: `send: auto ${NEEDS_EMAIL}` },
      ],
    },
    {
      name: "a deletion notice without messaging.email",
      text: policy({ messaging: "", step: email(""), kind: `    deletion_notice:\n      before: 7d\n      message: { es: { subject: A, body: B } }\n` }),
      expected: [{ line: AT - 2, path: "kinds.non_payment.deletion_notice", message: `a deletion notice is an email: it ${NEEDS_EMAIL}` }],
    },
    {
      name: "send: auto on a WhatsApp step",
      text: policy({ step: whatsapp(`        send: auto\n        message: { es: { body: B } }\n`) }),
      expected: [{ line: AT, path: `${STEP}.send`, message: "send: auto is for email steps only: a whatsapp step is done by a person (send: manual)" }],
    },
    {
      name: "send: auto on a phone step",
      text: policy({ step: `        channel: phone\n        after: 1d\n        send: auto\n` }),
      expected: [{ line: AT, path: `${STEP}.send`, message: "send: auto is for email steps only: a phone step is done by a person (send: manual)" }],
    },
    {
      name: "a send mode that is none",
      text: policy({ step: email(`        send: sometimes\n`) }),
      expected: [{ line: AT, path: `${STEP}.send`, message: '"sometimes" is not accepted: use manual | auto' }],
    },
    {
      name: "a subject on a WhatsApp message",
      text: policy({ step: whatsapp(`        message:\n          es:\n            subject: Aviso\n            body: Hola\n`) }),
      expected: [{ line: AT + 2, path: `${STEP}.message.es.subject`, message: "a WhatsApp message has no subject: remove it (the body is the whole message)" }],
    },
    {
      name: "a message on a phone step",
      text: policy({ step: `        channel: phone\n        after: 1d\n        message:\n          es: { body: Hola }\n` }),
      expected: [{ line: AT, path: `${STEP}.message`, message: "a phone step has no message: only email and whatsapp steps do" }],
    },
    {
      name: "{cutoff} on a step that is not a final notice",
      text: policy({ step: email(`        message:\n          es: { subject: A, body: "Hasta el {cutoff}" }\n`) }),
      expected: [{ line: AT + 1, path: `${STEP}.message.es.body`, message: "{cutoff} is the date access ends, known on a final notice only: remove it, or make this step final_notice: true" }],
    },
    {
      name: "{cutoff} in a deletion notice",
      text: policy({ step: email(""), kind: `    deletion_notice:\n      before: 7d\n      message:\n        es: { subject: "Hasta el {cutoff}", body: B }\n` }),
      expected: [{ line: AT + 3, path: "kinds.non_payment.deletion_notice.message.es.subject", message: "{cutoff} is the date access ends, given by a final notice: a deletion notice gives {deletion_date}" }],
    },
    {
      name: "{deletion_date} on a dunning step",
      text: policy({ step: email(`        final_notice: true\n        message:\n          es: { subject: A, body: "Borrado el {deletion_date}" }\n`) }),
      expected: [{ line: AT + 2, path: `${STEP}.message.es.body`, message: "{deletion_date} is known in a deletion_notice only (a final notice gives {cutoff})" }],
    },
    {
      name: "a deletion notice in a kind that never deletes data",
      text: policy({ deletion: "never", step: email(""), kind: `    deletion_notice:\n      before: 7d\n      message: { es: { subject: A, body: B } }\n` }),
      expected: [{ line: AT, path: "kinds.non_payment.deletion_notice", message: "data is never deleted in this kind (calendar.data_deletion): there is no deletion to give notice of" }],
    },
    {
      name: "a deletion notice at no time before",
      text: policy({ step: email(""), kind: `    deletion_notice:\n      before: 0d\n      message: { es: { subject: A, body: B } }\n` }),
      expected: [{ line: AT + 1, path: "kinds.non_payment.deletion_notice.before", message: "a duration longer than zero, such as 7d" }],
    },
    {
      name: "a deletion notice without a message",
      text: policy({ step: email(""), kind: `    deletion_notice: { before: 7d }\n` }),
      expected: [{ line: AT, path: "kinds.non_payment.deletion_notice.message", message: "required" }],
    },
    {
      name: "message and template on one step",
      text: policy({ step: whatsapp(`        final_notice: true\n        template: { es: "{client}: {cutoff}" }\n        message: { es: { body: "{client}: {cutoff}" } }\n`) }),
      expected: [{ line: AT + 1, path: `${STEP}.template`, message: "give message or template, not both: template is the older, body-only form of message (move its text to message.LANGUAGE.body)" }],
    },
    {
      name: "{company} in a policy without a company",
      text: policy({ company: "", step: email(`        message:\n          es: { subject: "{company}", body: B }\n`) }),
      expected: [{ line: AT, path: `${STEP}.message.es.subject`, message: "{company} is the policy's company: write company: YOUR NAME at the top of the file" }],
    },
  ])("$name", ({ text, expected }) => {
    expect(problemsOf(text)).toEqual(expected);
  });

  it("lists every problem of the messages at once, in file order", () => {
    const text = policy({
      messaging: "",
      step: email(`        send: auto\n        message:\n          es: { body: "Hasta el {cutoff}" }\n`),
      kind: `    deletion_notice:\n      before: 7d\n      message: { es: { subject: A, body: B } }\n`,
    });
    expect(problemsOf(text).map((p) => `${p.line}: ${p.path}: ${p.message.split(":")[0]}`)).toEqual([
      `${AT - 1}: ${STEP}.message: an email message needs messaging.email at the top of the file`,
      `${AT}: ${STEP}.message.es.subject: an email needs a subject`,
      `${AT}: ${STEP}.message.es.body: {cutoff} is the date access ends, known on a final notice only`,
      `${AT + 1}: kinds.non_payment.deletion_notice: a deletion notice is an email`,
    ]);
  });
});

describe("messaging.email", () => {
  const withEmail = (lines: string) => policy({ messaging: `messaging:\n  email:\n    smtp_url_env: OFFBOARD_SMTP_URL\n    from: "Cobranzas <cobranzas@acme.uy>"\n${lines}` });
  it.each([
    { name: "bare addresses, bcc as one", lines: "    reply_to: pagos@acme.uy\n    bcc: archivo@acme.uy\n", expected: { smtpUrlEnv: "OFFBOARD_SMTP_URL", from: "Cobranzas <cobranzas@acme.uy>", replyTo: "pagos@acme.uy", bcc: ["archivo@acme.uy"] } },
    { name: "named addresses, a quoted name with a comma, bcc as a list", lines: '    reply_to: "\\"Acme, Pagos\\" <pagos@acme.uy>"\n    bcc: [archivo@acme.uy, "Auditoría <auditoria@acme.uy>"]\n', expected: { smtpUrlEnv: "OFFBOARD_SMTP_URL", from: "Cobranzas <cobranzas@acme.uy>", replyTo: '"Acme, Pagos" <pagos@acme.uy>', bcc: ["archivo@acme.uy", "Auditoría <auditoria@acme.uy>"] } },
    { name: "neither", lines: "", expected: { smtpUrlEnv: "OFFBOARD_SMTP_URL", from: "Cobranzas <cobranzas@acme.uy>" } },
  ])("is read into the model: $name", ({ lines, expected }) => {
    const result = parsePolicy(withEmail(lines));
    expect(result.ok ? result.policy.messaging : result.problems).toEqual({ email: expected });
  });

  it.each([
    { name: "the URL instead of its variable's name, never repeated", email: '{ smtp_url_env: "smtps://cobros:Secreto123@mail.acme.uy:465", from: a@acme.uy }', path: "messaging.email.smtp_url_env", message: "write the NAME of an environment variable (e.g. OFFBOARD_SMTP_URL), not the URL: set the variable to smtps://user:pass@host:465 or smtp://host:587" },
    { name: "a variable name in lower case", email: "{ smtp_url_env: smtp_url, from: a@acme.uy }", path: "messaging.email.smtp_url_env", message: "the NAME of an environment variable holding the SMTP URL, e.g. OFFBOARD_SMTP_URL" },
    { name: "no variable", email: "{ from: a@acme.uy }", path: "messaging.email.smtp_url_env", message: "required: the NAME of an environment variable holding the SMTP URL, e.g. OFFBOARD_SMTP_URL" },
    { name: "no sender", email: "{ smtp_url_env: OFFBOARD_SMTP_URL }", path: "messaging.email.from", message: "required: an email address such as cobranzas@acme.uy, or Name <cobranzas@acme.uy>" },
    { name: "a sender without a domain", email: '{ smtp_url_env: X, from: "Cobranzas <cobranzas@acme>" }', path: "messaging.email.from", message: '"Cobranzas <cobranzas@acme>" is not accepted: use an email address such as cobranzas@acme.uy, or Name <cobranzas@acme.uy>' },
    { name: "two addresses as a reply-to", email: '{ smtp_url_env: X, from: a@acme.uy, reply_to: "a@acme.uy, b@acme.uy" }', path: "messaging.email.reply_to", message: '"a@acme.uy, b@acme.uy" is not accepted: use an email address such as pagos@acme.uy, or Name <pagos@acme.uy>' },
    { name: "a wrong address in a bcc list", email: "{ smtp_url_env: X, from: a@acme.uy, bcc: [b@acme.uy, archivo] }", path: "messaging.email.bcc[1]", message: '"archivo" is not accepted: use an email address such as archivo@acme.uy, or Name <archivo@acme.uy>' },
    { name: "an unknown key", email: "{ smtp_url_env: X, from: a@acme.uy, cc: b@acme.uy }", path: "messaging.email", message: 'unknown key "cc"' },
  ])("refuses $name", ({ email, path, message }) => {
    const problems = problemsOf(policy({ messaging: `messaging:\n  email: ${email}\n` }));
    expect(problems).toEqual([{ path, line: 8, message }]);
    expect(JSON.stringify(problems)).not.toContain("Secreto123");
  });
});

describe("the model", () => {
  it("a step's message, its send mode (manual by default) and a kind's deletion notice", () => {
    const result = parsePolicy(
      policy({
        step: email(`        send: auto\n        message:\n          es: { subject: "Saldo {client}", body: "Hola {contact_name}" }\n          pt: { subject: S, body: B }\n`),
        kind: `    deletion_notice:\n      before: P1M\n      message: { es: { subject: A, body: "El {deletion_date}" } }\n`,
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const kind = result.policy.kinds.non_payment!;
    expect(kind.dunning[0]).toMatchObject({ send: "auto", message: { es: { subject: "Saldo {client}", body: "Hola {contact_name}" }, pt: { subject: "S", body: "B" } } });
    expect(kind.deletionNotice).toEqual({ before: { months: 1 }, message: { es: { subject: "A", body: "El {deletion_date}" } } });
    const manual = parsePolicy(policy({ step: email("") }));
    expect(manual.ok && manual.policy.kinds.non_payment!.dunning[0]).toMatchObject({ send: "manual" });
    expect(manual.ok && "message" in manual.policy.kinds.non_payment!.dunning[0]!).toBe(false);
  });

  it("a policy without messaging still loads, and an older template on an email step needs no messaging", () => {
    const result = parsePolicy(policy({ messaging: "", step: email(`        final_notice: true\n        template: { es: "{client}: baja el {cutoff}." }\n`) }));
    expect(result.ok ? result.policy.messaging : result.problems).toBeUndefined();
    if (result.ok) {
      const step = result.policy.kinds.non_payment!.dunning[0]!;
      expect(step.template).toEqual({ es: "{client}: baja el {cutoff}." });
      expect(stepMessages(step)).toEqual({ es: { body: "{client}: baja el {cutoff}." } });
    }
  });

  it("a request keeps the messages of the policy it was opened under; a snapshot stored before messages reads as manual steps without them", async () => {
    const zeta = await shipped("002-zetalibra");
    const opened = openRequest({ client: { id: "c1", status: "active", hostedDatabase: false }, kind: "falta_de_pago", requestedBy: "U0REQ", reason: "Tres facturas", thirdPartyInvolved: false }, zeta, new Date("2026-08-09T15:00:00Z"));
    if (!opened.ok) throw new Error(opened.error.code);
    const stored = snapshotSchema.parse(JSON.parse(JSON.stringify(opened.request.snapshot)));
    expect(stored.deletionNotice).toEqual(zeta.kinds.falta_de_pago!.deletionNotice);
    expect(stored.dunning.map((d) => [d.id, d.send, Object.keys(d.message ?? {})])).toEqual([
      ["reclamo_1", "manual", ["en", "es"]],
      ["reclamo_2", "manual", ["en", "es"]],
      ["aviso_baja", "manual", ["en", "es"]],
    ]);

    const older = { ...JSON.parse(JSON.stringify(opened.request.snapshot)), deletionNotice: undefined };
    older.dunning = older.dunning.map(({ id, label, channel, after, from, finalNotice }: Record<string, unknown>) => ({ id, label, channel, after, from, finalNotice }));
    const read = snapshotSchema.parse(older);
    expect(read.deletionNotice).toBeUndefined();
    expect(read.dunning.map((d) => [d.send, d.message])).toEqual([["manual", undefined], ["manual", undefined], ["manual", undefined]]);
  });
});

async function shipped(name: string): Promise<Policy> {
  const load = await loadPolicyFile(`policies/${name}.policy.yml`);
  if (!load.ok) throw new Error(`${name}: ${JSON.stringify(load.problems)}`);
  return load.policy;
}

const ALL_VALUES = Object.fromEntries(PLACEHOLDERS.map((p) => [p, `<${p}>`])) as Record<Placeholder, string>;

/** Every message of a policy: where, and in which language. */
function messagesOf(policy: Policy): { where: string; channel: string; messages: Messages }[] {
  return Object.values(policy.kinds).flatMap((kind) => [
    ...kind.dunning.flatMap((step) => {
      const messages = stepMessages(step);
      return messages ? [{ where: `${kind.id}.${step.id}`, channel: step.channel, messages }] : [];
    }),
    ...(kind.deletionNotice ? [{ where: `${kind.id}.deletion_notice`, channel: "email", messages: kind.deletionNotice.message }] : []),
  ]);
}

describe("the shipped policies", () => {
  it.each(["000-crfusion", "001-provedor-internet", "002-zetalibra", "003-teamleader", "004-ativar-inativar"])("%s loads", async (name) => {
    expect((await shipped(name)).version).toBe(1);
  });

  it("000 (CRFUSION): three collection emails, the call, then the final notice by email and by WhatsApp, both with the date access ends", async () => {
    const crf = await shipped("000-crfusion");
    expect(crf.messaging).toEqual({ email: { smtpUrlEnv: "OFFBOARD_SMTP_URL", from: "Cobros CRFUSION <cobros@crfusion.com>", replyTo: "Cobros CRFUSION <cobros@crfusion.com>" } });
    const ladder = crf.kinds.sin_respuesta!.dunning;
    expect(ladder.map((s) => [s.id, s.channel, s.finalNotice])).toEqual([
      ["correo_1", "email", false],
      ["correo_2", "email", false],
      ["correo_3", "email", false],
      ["llamada", "phone", false],
      ["aviso_final_correo", "email", true],
      ["aviso_final_whatsapp", "whatsapp", true],
    ]);
    for (const step of ladder.filter((s) => s.channel === "email")) {
      expect(Object.keys(step.message!)).toEqual(["en", "es"]);
      expect(step.message!.es!.body).toContain("{amount_due}");
    }
    for (const step of ladder.filter((s) => s.finalNotice)) {
      for (const text of Object.values(stepMessages(step)!)) expect(text!.body).toContain("{cutoff}");
    }
    expect(crf.kinds.solicitud_cliente!.dunning).toEqual([]);
  });

  it("002 (ZetaLIBRA): the notices by email, the notice with the block date, and the deletion notice a month before, in both kinds", async () => {
    const zeta = await shipped("002-zetalibra");
    expect(zeta.messaging?.email).toMatchObject({ smtpUrlEnv: "OFFBOARD_SMTP_URL", bcc: ["archivo@zetalibra.com.uy"] });
    const ladder = zeta.kinds.falta_de_pago!.dunning;
    expect(ladder.map((s) => [s.id, s.channel, Boolean(s.message?.es?.subject)])).toEqual([
      ["reclamo_1", "email", true],
      ["reclamo_2", "email", true],
      ["aviso_baja", "email", true],
    ]);
    expect(ladder[2]!.message!.es!.body).toContain("{cutoff}");
    for (const kind of ["baja_voluntaria", "falta_de_pago"]) {
      const notice = zeta.kinds[kind]!.deletionNotice!;
      expect(notice.before).toEqual({ days: 30 });
      expect(notice.message.es!.subject).toContain("{deletion_date}");
    }
  });

  it.each(["001-provedor-internet", "003-teamleader", "004-ativar-inativar"])("%s does not write to clients (its procedure does not)", async (name) => {
    const p = await shipped(name);
    expect(p.messaging).toBeUndefined();
    expect(messagesOf(p)).toEqual([]);
  });

  it.each(["000-crfusion", "002-zetalibra"])("%s: every message fills completely, in Spanish and English", async (name) => {
    const p = await shipped(name);
    for (const { where, channel, messages } of messagesOf(p)) {
      expect(Object.keys(messages).sort(), where).toEqual(["en", "es"]);
      for (const text of Object.values(messages)) {
        expect(missingValues(text!, ALL_VALUES), where).toEqual([]);
        const filled = fillMessage(text!, ALL_VALUES);
        expect(`${filled.subject ?? ""} ${filled.body}`, where).not.toMatch(/\{\w+\}/);
        expect(filled.subject === undefined, where).toBe(channel === "whatsapp");
      }
    }
  });

  it("the example file shows messaging, a step's message and a deletion notice", async () => {
    const result = parsePolicy(await readFile("offboard.policy.example.yml", "utf8"));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.policy.messaging?.email?.smtpUrlEnv).toBe("OFFBOARD_SMTP_URL");
    expect(result.policy.kinds.non_payment!.dunning[0]!.message?.es?.subject).toBeDefined();
    expect(result.policy.kinds.voluntary!.deletionNotice?.before).toEqual({ days: 7 });
  });
});
