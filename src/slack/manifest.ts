import type { AppsManifestCreateArguments } from "@slack/web-api";

/** Slack's manifest type, as apps.manifest.create takes it. */
export type Manifest = AppsManifestCreateArguments["manifest"];
import { Ids } from "./ids.ts";

/**
 * The Slack app's manifest, typed against Slack's own manifest types so a
 * misspelled key or setting fails the type-check. `npm run manifest` writes
 * manifest.yml (HTTP mode) and manifest.socket-mode.yml from it; a test keeps
 * them in step.
 */
export function buildManifest(mode: "http" | "socket", requestUrl = "https://offboard.example.com/slack/events"): Manifest {
  const url = mode === "http" ? { url: requestUrl } : {};
  return {
    display_information: {
      name: "Offboard",
      description: "Customer deactivations by the book: checklist, approval, dunning and audit trail.",
      background_color: "#2c3e50",
    },
    features: {
      app_home: { home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: true },
      bot_user: { display_name: "Offboard", always_online: true },
      slash_commands: [
        { command: Ids.command.deactivate, ...url, description: "Open a deactivation request for a client", usage_hint: "client ref or name | help", should_escape: false },
        { command: Ids.command.reactivate, ...url, description: "Reactivate an inactive client", usage_hint: "client ref or name", should_escape: false },
      ],
    },
    oauth_config: {
      scopes: {
        // commands: the slash commands; chat:write: cards, thread replies and direct messages;
        // users:read: each person's language; usergroups:read: approvers named by user group;
        // channels:history, groups:history: after a crash, find a card or reply Slack took but the database never saved.
        bot: ["commands", "chat:write", "users:read", "usergroups:read", "channels:history", "groups:history"],
      },
    },
    settings: {
      event_subscriptions: { ...(mode === "http" ? { request_url: requestUrl } : {}), bot_events: ["app_home_opened"] },
      interactivity: { is_enabled: true, ...(mode === "http" ? { request_url: requestUrl, message_menu_options_url: requestUrl } : {}) },
      org_deploy_enabled: false,
      socket_mode_enabled: mode === "socket",
      token_rotation_enabled: false,
    },
  };
}
