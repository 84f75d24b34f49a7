import { expect, it } from "vitest";
import { Activity } from "../../src/util/activity.js";
import { KeyedQueue } from "../../src/util/keyed-queue.js";

it("Activity resolves idle once running work finishes, or reports a timeout", async () => {
  const activity = new Activity();
  expect(await activity.idle(10)).toBe(true);
  let finish!: () => void;
  const work = activity.track(() => new Promise<void>((resolve) => (finish = resolve)));
  expect(activity.busy).toBe(1);
  expect(await activity.idle(5)).toBe(false);
  const idle = activity.idle(60_000);
  finish();
  await work;
  expect(await idle).toBe(true);
  expect(activity.busy).toBe(0);
});

it("KeyedQueue runs tasks of one key in order and keeps going after a failure", async () => {
  const queue = new KeyedQueue();
  const order: string[] = [];
  let release!: () => void;
  const first = queue.run("a", () => new Promise<void>((resolve) => (release = resolve)).then(() => void order.push("a1")));
  const failing = queue.run("a", async () => {
    order.push("a2");
    throw new Error("boom");
  });
  const third = queue.run("a", async () => void order.push("a3"));
  const other = queue.run("b", async () => void order.push("b1"));
  await other;
  expect(order).toEqual(["b1"]);
  release();
  await first;
  await expect(failing).rejects.toThrow("boom");
  await third;
  expect(order).toEqual(["b1", "a1", "a2", "a3"]);
});
