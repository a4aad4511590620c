import pg from "pg";

/**
 * With OFFBOARD_TEST_DATABASE_URL set (npm run test:pg, CI), every database
 * test runs on that PostgreSQL server: it must answer, or the run fails here
 * with the reason instead of passing on the embedded database by accident.
 */
export default async function setup(): Promise<void> {
  const url = process.env.OFFBOARD_TEST_DATABASE_URL;
  if (!url) {
    console.log("database tests: embedded PGlite (set OFFBOARD_TEST_DATABASE_URL or run `npm run test:pg` for PostgreSQL)");
    return;
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string }>("SELECT current_setting('server_version') AS version");
    console.log(`database tests: PostgreSQL ${rows[0]?.version} at ${redact(url)}`);
  } catch (error) {
    throw new Error(`OFFBOARD_TEST_DATABASE_URL is set but PostgreSQL at ${redact(url)} cannot be reached: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
