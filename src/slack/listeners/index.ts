import type { App } from "@slack/bolt";
import type { SlackDeps } from "../context.ts";
import * as checks from "./actions/checks.ts";
import * as dunning from "./actions/dunning.ts";
import * as requestActions from "./actions/request.ts";
import * as deactivate from "./commands/deactivate.ts";
import * as appHome from "./events/app-home.ts";
import * as reactivate from "./commands/reactivate.ts";
import * as decisionForms from "./views/decision-forms.ts";
import * as deactivateSubmit from "./views/deactivate-submit.ts";

export function registerListeners(app: App, deps: SlackDeps): void {
  deactivate.register(app, deps);
  deactivate.registerClientSearch(app, deps);
  reactivate.register(app, deps);
  deactivateSubmit.register(app, deps);
  checks.register(app, deps);
  requestActions.register(app, deps);
  decisionForms.register(app, deps);
  appHome.register(app, deps);
  dunning.register(app, deps);
}
