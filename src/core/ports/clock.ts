// Port of wall-clock time, injected so that tests and replays are deterministic.
export interface Clock {
  now(): number;
}

export const SYSTEM_CLOCK: Clock = { now: () => Date.now() };
