import type { Clock } from "../services/clock.ts";

/**
 * The bot's clock in the sandbox: real time plus an offset that only grows,
 * so a rehearsal can jump to the end of a month and never back (jobs and the
 * audit trail would make no sense in reverse).
 */
export class SandboxClock implements Clock {
  private offsetMs: number;

  constructor(private readonly realNow: () => number = Date.now, start?: Date) {
    this.offsetMs = start ? Math.max(0, start.getTime() - realNow()) : 0;
  }

  now(): Date {
    return new Date(this.realNow() + this.offsetMs);
  }

  /** Moves the clock to `to`; a time at or before now changes nothing. Returns whether it moved. */
  moveTo(to: Date): boolean {
    const by = to.getTime() - this.now().getTime();
    if (!(by > 0)) return false;
    this.offsetMs += by;
    return true;
  }

  /** How far ahead of real time the bot is, in ms. */
  get offset(): number {
    return this.offsetMs;
  }
}
