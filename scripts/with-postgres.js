#!/usr/bin/env node
// npm run test:pg: runs the test suite against PostgreSQL. Uses
// OFFBOARD_TEST_DATABASE_URL, or the server on 127.0.0.1:5432; each test file
// creates and drops its own database there. Fails loudly if it cannot connect.
import { spawn } from "node:child_process";
import pg from "pg";

const url = process.env.OFFBOARD_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
try {
  await client.connect();
  await client.query("SELECT 1");
} catch (error) {
  console.error(`test:pg needs PostgreSQL at ${url.replace(/:[^:@/]*@/, ":***@")} and cannot reach it: ${error.message}`);
  console.error("Start it (on our machines: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set OFFBOARD_TEST_DATABASE_URL.");
  process.exit(1);
} finally {
  await client.end().catch(() => {});
}

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: "inherit", env: { ...process.env, OFFBOARD_TEST_DATABASE_URL: url } });
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
