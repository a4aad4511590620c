/**
 * The form names and refs are matched in: lower case, accents removed, every
 * run of other characters one space. "Acmé S.A." and "ACME s a" both give "acme s a".
 */
export function searchKey(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** PostgreSQL cannot store NUL in text or jsonb: Slack never sends one, a forger might. */
export function withoutNul(text: string): string {
  return text.replace(/\u0000/g, "");
}
