/** Splits items, in order, into chunks of at most `maxCount` items and `maxBytes` bytes. */
export function chunkByCountAndSize<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  limits: { maxCount: number; maxBytes: number },
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const bytes = sizeOf(item);
    if (
      current.length > 0 &&
      (current.length === limits.maxCount || currentBytes + bytes > limits.maxBytes)
    ) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Runs tasks with at most `limit` in flight; results keep the tasks' order. */
export async function runWithConcurrency<T>(
  tasks: readonly (() => Promise<T>)[],
  limit: number,
): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
