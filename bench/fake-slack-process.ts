// The fake Slack Web API in a process of its own, so that serving the bot's
// calls does not slow down the load generator's clock. Run by bench/slack.ts.
import { FakeSlack } from "../test/support/fake-slack.ts";

const fake = new FakeSlack();
await fake.start();
process.send!({ apiUrl: fake.apiUrl, baseUrl: fake.baseUrl });
process.on("message", (message) => {
  if (message === "count") process.send!({ count: fake.calls.length + fake.responses.length });
  if (message === "stop") void fake.stop().then(() => process.exit(0));
});
