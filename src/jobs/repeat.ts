/**
 * Runs `task` every `intervalMs` until stopped (the job-record retention and the sign-in claim
 * records sweep this way): a run never overlaps the previous one, a failure is the task's own
 * business (it must not reject), and the timer never keeps the process alive.
 */
export function repeat(task: () => Promise<void>, intervalMs: number): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void task().finally(() => {
      running = false;
    });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
