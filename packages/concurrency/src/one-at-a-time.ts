/**
 * Runs async tasks strictly one after another, in call order: for steps that read and then write
 * shared state (e.g. a repair pass and the edits it checks) and must not interleave.
 */
export class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => {});
    return result;
  }
}
