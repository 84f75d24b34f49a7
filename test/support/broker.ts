/**
 * The test files' side of the run's broker (test/support/global-setup.ts): what the whole vitest run
 * shares (one PostgreSQL server, one build of dist/) lives in vitest's main process, which the
 * files, in worker processes, ask over loopback HTTP.
 */
import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** The URL of global-setup.ts's broker (http://127.0.0.1:port). */
    petriTestBroker?: string;
  }
}

/** Whether this run has the broker (not when vitest runs with a config other than ours). */
export function hasBroker(): boolean {
  return typeof inject("petriTestBroker") === "string";
}

/** POSTs `body` to the broker's `path`; throws the broker's `error` on a failure. */
export async function askBroker<T>(path: string, body: unknown = {}): Promise<T> {
  const broker = inject("petriTestBroker");
  if (!broker) throw new Error("no test broker in this run (vitest.config.ts's globalSetup did not run)");
  const response = await fetch(`${broker}${path}`, { method: "POST", body: JSON.stringify(body) });
  const answer = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(answer.error ?? `the test broker answered ${response.status}`);
  return answer;
}
