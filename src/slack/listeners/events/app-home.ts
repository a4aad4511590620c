import type { App } from "@slack/bolt";
import { z } from "zod";
import { inactiveClients, loadHome } from "../../../services/home.ts";
import { userContext, type SlackDeps } from "../../context.ts";
import { Ids } from "../../ids.ts";
import { blockAction } from "../../payloads.ts";
import { homeView, inactiveClientsModal } from "../../views/home.ts";

const homeOpened = z.object({ user: z.string().regex(/^[UW][A-Z0-9]{2,}$/), tab: z.string().optional() });

/** App Home: the person's requests and what waits on them; a list of inactive clients on demand. */
export function register(app: App, deps: SlackDeps): void {
  app.event("app_home_opened", async ({ event, client }) => {
    const parsed = homeOpened.safeParse(event);
    if (!parsed.success || (parsed.data.tab && parsed.data.tab !== "home")) return;
    const ctx = await userContext(deps, parsed.data.user);
    await client.views.publish({ user_id: parsed.data.user, view: homeView(await loadHome(deps.services, parsed.data.user), ctx) });
  });

  app.action(Ids.action.listInactive, async ({ ack, body, client }) => {
    await ack();
    const payload = blockAction.safeParse(body);
    if (!payload.success) return;
    const ctx = await userContext(deps, payload.data.user.id);
    await client.views.open({ trigger_id: payload.data.trigger_id, view: inactiveClientsModal(await inactiveClients(deps.services), ctx) });
  });
}
