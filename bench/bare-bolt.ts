// The baseline: a Bolt app over HTTP that only acknowledges, for the same
// command, buttons and typeahead Offboard answers. Run by bench/slack.ts.
import { App, LogLevel } from "@slack/bolt";

const app = new App({
  token: "xoxb-bench",
  signingSecret: process.env.SLACK_SIGNING_SECRET!,
  tokenVerificationEnabled: false,
  botId: "B0BENCH",
  botUserId: "U0BENCH",
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL! },
  logLevel: LogLevel.ERROR,
});
app.command(/.*/, async ({ ack }) => ack());
app.action(/.*/, async ({ ack }) => ack());
app.options(/.*/, async ({ ack }) => ack({ options: [] }));
await app.start(Number(process.env.PORT));
console.log(`bare Bolt is listening on port ${process.env.PORT}`);
process.on("SIGTERM", () => void app.stop().then(() => process.exit(0)));
