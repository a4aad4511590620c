import type { Store } from "../db/store.ts";
import type { Clock } from "../services/clock.ts";
import { importClients, importEquipment, importInvoices, type ImportResult } from "../services/imports.ts";

/**
 * A dozen clients that between them exercise every rule of the policies in
 * policies/: a third party, a hosted database, unpaid invoices, loaned
 * equipment, subscriptions and login records, and clean ones.
 */
const CLIENTS = `ref,name,contact_name,contact_email,contact_phone,third_party,hosted_database
ACME-01,Acme Software,Ana Pérez,ana@acme.test,+598 99 123 456,no,no
BETA-02,Beta Logística,Bruno Silva,bruno@beta.test,+55 11 91234 5678,yes,no
GAMA-03,Gama Contadores,Gabriela Ríos,gabriela@gama.test,+598 98 765 432,no,yes
DELTA-04,Delta Telecom,Diego Costa,diego@delta.test,+55 21 99876 5432,no,no
ECO-05,Eco Mercado,Elena Suárez,elena@eco.test,+598 94 111 222,no,no
FARO-06,Faro Internet,Fernanda Lima,fernanda@faro.test,+55 31 98888 7777,no,no
GLOBO-07,Globo Viajes,Gonzalo Díaz,gonzalo@globo.test,+598 99 333 444,yes,yes
HORIZ-08,Horizonte Provedor,Helena Rocha,helena@horizonte.test,+55 41 97777 6666,no,no
ISLA-09,Isla Estudio,Inés Martín,ines@isla.test,+598 91 555 666,no,no
JADE-10,Jade Consultoria,João Alves,joao@jade.test,+55 51 96666 5555,no,no
KIWI-11,Kiwi Foods,Kate Miller,kate@kiwi.test,+1 555 0101,no,no
LUNA-12,Luna Café,Lucía Fernández,lucia@luna.test,+598 92 777 888,no,no
`;

const INVOICES = `client_ref,number,amount,currency,due_on,status
ACME-01,A-1001,120.00,USD,2026-09-01,paid
DELTA-04,D-2001,89.90,USD,2026-08-01,open
DELTA-04,D-2002,89.90,USD,2026-09-01,open
DELTA-04,D-2003,89.90,USD,2026-10-01,open
ECO-05,E-3001,450.00,UYU,2026-10-10,open
GLOBO-07,G-4001,1200.00,USD,2026-10-15,open
ISLA-09,I-5001,35.00,USD,2026-09-05,paid
KIWI-11,K-6001,60.00,USD,2026-11-01,open
`;

const EQUIPMENT = `client_ref,serial,description,status
FARO-06,ONT-77812,ONT fibra Huawei,out
FARO-06,RTR-99120,Roteador Wi-Fi,out
HORIZ-08,ONT-55001,ONT fibra ZTE,returned
DELTA-04,MDM-31337,Cable modem,out
`;

const SERVICES = [
  { clientRef: "ACME-01", plans: ["Plan Pro mensual"], logins: [] },
  { clientRef: "FARO-06", plans: ["Fibra 300 Mbps"], logins: ["faro.pppoe01", "faro.pppoe02"] },
  { clientRef: "HORIZ-08", plans: ["Fibra 100 Mbps", "Telefone fixo"], logins: ["horizonte.pppoe"] },
  { clientRef: "DELTA-04", plans: ["Internet empresarial"], logins: ["delta.wan1"] },
  { clientRef: "JADE-10", plans: ["Plano Contábil"], logins: [] },
  { clientRef: "LUNA-12", plans: ["Plan Básico"], logins: [] },
];

/** Loads the demo clients when the ledger is empty; says how many it loaded (0: it had clients). */
export async function loadDemoClients(store: Store, clock: Clock): Promise<number> {
  if (!(await store.ledgerImports.ledgerIsEmpty())) return 0;
  const deps = { store, clock, actor: "sandbox:demo-data" };
  const loaded = [
    await importClients(deps, "demo-clients.csv", CLIENTS),
    await importInvoices(deps, "demo-invoices.csv", INVOICES),
    await importEquipment(deps, "demo-equipment.csv", EQUIPMENT),
  ];
  const failed = loaded.find((r): r is Extract<ImportResult, { ok: false }> => !r.ok);
  if (failed) throw new Error(`the sandbox's demo data is invalid: ${JSON.stringify(failed.problems[0])}`);
  await store.transaction((tx) => tx.ledgerImports.addServices(SERVICES));
  return loaded[0]!.ok ? loaded[0]!.created : 0;
}
