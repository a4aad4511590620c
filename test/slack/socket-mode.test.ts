import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogLevel } from "@slack/bolt";
import { WebSocketServer, type WebSocket } from "ws";
import { Ledger } from "../../src/connectors/ledger.ts";
import type { DatabaseHandle } from "../../src/db/database.ts";
import { createStore } from "../../src/db/store.ts";
import { ManualClock } from "../../src/services/clock.ts";
import { createSlackApp, type SlackApp } from "../../src/slack/app.ts";
import { createTestDatabase } from "../support/db.ts";
import { FakeSlack } from "../support/fake-slack.ts";
import { REQUESTER, testPolicy } from "../support/policy.ts";

/**
 * Socket Mode offline: the fake Web API answers apps.connections.open with a
 * local WebSocket, which speaks Slack's socket protocol (hello, envelopes, acks).
 */
class FakeSocket {
  readonly server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  readonly acks: Record<string, unknown>[] = [];
  private socket: WebSocket | undefined;
  private connected: Promise<void>;

  constructor() {
    this.connected = new Promise((done) => {
      this.server.on("connection", (socket) => {
        this.socket = socket;
        socket.on("message", (data) => this.acks.push(JSON.parse(data.toString()) as Record<string, unknown>));
        socket.send(JSON.stringify({ type: "hello", num_connections: 1, connection_info: { app_id: "A0APP" }, debug_info: { host: "local" } }));
        done();
      });
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as { port: number }).port}/link`;
  }

  async send(envelope: Record<string, unknown>): Promise<void> {
    await this.connected;
    this.socket!.send(JSON.stringify(envelope));
  }

  close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    return new Promise((done) => this.server.close(() => done()));
  }
}

const fake = new FakeSlack();
const socket = new FakeSocket();
let handle: DatabaseHandle;
let slack: SlackApp;

beforeAll(async () => {
  await fake.start();
  fake.connectionUrl = socket.url;
  handle = await createTestDatabase();
  const policy = testPolicy({ language: "en" });
  slack = createSlackApp({
    botToken: "xoxb-test",
    appToken: "xapp-test",
    apiUrl: fake.apiUrl,
    policy,
    services: { store: createStore(handle.prisma), clock: new ManualClock(new Date("2026-08-09T14:00:00Z")), policy, sor: new Ledger(handle.prisma) },
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
  });
  await slack.app.init();
  await slack.app.start();
});
afterAll(async () => {
  await slack?.app.stop().catch(() => {});
  await socket.close();
  await fake.stop();
  await handle?.close();
});

describe("Socket Mode", () => {
  it("connects through the configured API (GovSlack-safe), acknowledges envelopes and answers commands", async () => {
    expect(fake.called("apps.connections.open")).toHaveLength(1);
    await socket.send({
      envelope_id: "env-1",
      type: "slash_commands",
      accepts_response_payload: true,
      payload: { command: "/deactivate", text: "help", user_id: REQUESTER, channel_id: "C1", trigger_id: "t1", response_url: fake.responseUrl("socket"), team_id: "T0TEAM", api_app_id: "A0APP" },
    });
    for (let i = 0; i < 100 && fake.responses.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(socket.acks).toContainEqual(expect.objectContaining({ envelope_id: "env-1" }));
    expect(fake.responses[0]?.body).toMatchObject({ response_type: "ephemeral", text: expect.stringMatching(/\/deactivate CLIENT\* opens a deactivation request/) });
  });
});
