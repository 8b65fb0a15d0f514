/**
 * A module loaded on first use, once: the SDK clients of the less common destination types
 * (Kinesis, EventBridge) cost the dispatcher's cold start nothing until an execution environment
 * first delivers to one. The bundle still holds them; only their evaluation waits.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}
