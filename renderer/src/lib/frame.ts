// Work aligned to animation frames: many events, one update per frame; and
// chart redraws shared out under a per-frame time budget, so four charts that
// all changed never become one long task that stalls input.

/** Returns `schedule()`; each call before the next frame is merged into one `fn()` then. */
export function perFrame(fn: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      fn();
    });
  };
}

/** Milliseconds of redraw work per frame; the rest waits for the next frame (at least one runs). */
const FRAME_BUDGET_MS = 8;
/**
 * Redraws may take at most this share of the main thread: after C ms of
 * redrawing, the next redraw frame waits C·(1/share − 1) ms. Keeps input and
 * timers responsive while a run streams points into several charts.
 */
const MAX_SHARE = 0.25;
const queue = new Map<object, () => void>();
let frameRequested = false;
let notBefore = 0;

function runQueue(now: number): void {
  frameRequested = false;
  if (now < notBefore) return requestRedrawFrame();
  const start = performance.now();
  for (const [key, fn] of queue) {
    queue.delete(key);
    fn();
    if (performance.now() - start > FRAME_BUDGET_MS) break;
  }
  const spent = performance.now() - start;
  notBefore = start + spent / MAX_SHARE;
  if (queue.size) requestRedrawFrame();
}

function requestRedrawFrame(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(runQueue);
}

/**
 * Queues `fn` for a coming frame under the shared budget; a key already queued
 * keeps its place (oldest first), so every chart gets its turn.
 */
export function queueRedraw(key: object, fn: () => void): void {
  if (!queue.has(key)) queue.set(key, fn);
  requestRedrawFrame();
}

export function cancelRedraw(key: object): void {
  queue.delete(key);
}
