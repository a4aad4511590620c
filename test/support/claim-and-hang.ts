// A worker that claims due jobs of one kind and then hangs, to be killed with SIGKILL by a test.
import { openDatabase } from "../../src/db/database.ts";
import { claimDueJobs } from "../../src/db/jobs.ts";

const [url, kind, leaseMs] = process.argv.slice(2) as [string, string, string];
const db = await openDatabase({ kind: "postgres", url });
const claimed = (await claimDueJobs(db.prisma, "doomed-worker", new Date(), Number(leaseMs), 10)).filter((j) => j.kind === kind);
console.log(`claimed ${claimed.length}`);
setInterval(() => {}, 1000);
