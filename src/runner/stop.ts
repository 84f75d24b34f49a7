/**
 * Stopping a run in two steps, as Ctrl-C does: the first request stops new work (no new audit, no
 * new auditor turn) and lets the turns under way finish; the second aborts the model calls in
 * flight through `signal`. Tests drive it directly; the CLI wires it to SIGINT.
 */
export type StopLevel = "running" | "stopping" | "aborting";

const LEVELS: readonly StopLevel[] = ["running", "stopping", "aborting"];

export class StopController {
  private current: StopLevel = "running";
  private handedOver = false;
  private readonly abortController = new AbortController();
  private readonly listeners = new Set<(level: StopLevel) => void>();

  get level(): StopLevel {
    return this.current;
  }

  /** True once a stop was requested: start nothing new. */
  get stopping(): boolean {
    return this.current !== "running";
  }

  /** True once the in-flight calls were aborted. */
  get aborted(): boolean {
    return this.current === "aborting";
  }

  /** Aborted by the second request; pass it to every model and tool call. */
  get signal(): AbortSignal {
    return this.abortController.signal;
  }

  /** Escalates one step (running -> stopping -> aborting) and returns the new level. */
  request(): StopLevel {
    if (this.current === "running") this.current = "stopping";
    else if (this.current === "stopping") {
      this.current = "aborting";
      this.abortController.abort(new Error("interrupted"));
    } else return this.current;
    for (const listener of this.listeners) listener(this.current);
    return this.current;
  }

  /** True once the work was handed to another process (its job was taken over or cancelled): write nothing more for it. */
  get abandoned(): boolean {
    return this.handedOver;
  }

  /** Aborts at once, as two requests do, and marks the work as handed over (see `abandoned`). */
  abandon(): void {
    this.handedOver = true;
    this.request();
    this.request();
  }

  onChange(listener: (level: StopLevel) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes each step `other` takes (those it took already at once); returns the function that stops following. */
  follow(other: StopController): () => void {
    const catchUp = () => {
      while (LEVELS.indexOf(this.current) < LEVELS.indexOf(other.level)) this.request();
    };
    catchUp();
    return other.onChange(catchUp);
  }
}

/**
 * Routes SIGINT to `stop` instead of killing the process; a third SIGINT, once everything was
 * aborted, calls `force` (exit at once). Returns the function that undoes it.
 */
export function stopOnSigint(stop: StopController, force: () => void = () => process.exit(130), target: NodeJS.Process = process): () => void {
  const handler = () => {
    if (stop.aborted) force();
    else stop.request();
  };
  target.on("SIGINT", handler);
  return () => target.off("SIGINT", handler);
}

/**
 * A signal for one call that aborts when `parent` does. Some clients never remove the listeners
 * they add to a signal, so a long-lived signal must not be handed to them directly; call `release`
 * when the call is over.
 */
export function callSignal(parent: AbortSignal): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, release: () => undefined };
  }
  const forward = () => controller.abort(parent.reason);
  parent.addEventListener("abort", forward, { once: true });
  return { signal: controller.signal, release: () => parent.removeEventListener("abort", forward) };
}
