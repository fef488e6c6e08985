// Waiting in tests without betting on the machine's speed: the suite runs on
// two cores shared with builds, browsers and other suites, so every wait is
// on an event or a polled condition, with a ceiling far above the normal time
// (it bounds a hang, it is never the thing asserted).

/** The ceiling for a condition that normally holds within a second or two. */
export const GENEROUS_MS = 30_000;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns something other than `undefined` or `false`,
 * and resolves with that value; rejects naming `what` (and the last value
 * seen, if the probe threw) after `timeoutMs`.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  { timeoutMs = GENEROUS_MS, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? "" : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(intervalMs);
  }
}

/** Resolves with `promise`, or rejects naming `what` if it has not settled after `timeoutMs`. */
export async function withCeiling<T>(promise: Promise<T>, what: string, timeoutMs = GENEROUS_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const ceiling = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, ceiling]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A gate a test holds shut to force an interleaving: code under test calls
 * `pass()` and stops there until the test calls `open()`; `reached` resolves
 * once someone is waiting at the gate.
 */
export interface Gate {
  pass(): Promise<void>;
  open(): void;
  readonly reached: Promise<void>;
  readonly isOpen: boolean;
}

export function createGate(): Gate {
  let open!: () => void;
  let reach!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (reach = resolve));
  let isOpen = false;
  return {
    pass() {
      reach();
      return opened;
    },
    open() {
      isOpen = true;
      open();
    },
    reached,
    get isOpen() {
      return isOpen;
    },
  };
}
