/**
 * Where "now" comes from: the system clock in production, a clock tests and
 * the sandbox move by hand (services/clock.ts). The domain itself never asks:
 * its functions take `now` as a parameter.
 */
export interface Clock {
  now(): Date;
}
