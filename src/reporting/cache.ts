/** How many surveys' parsed publications (and reports) are kept in memory; the least recently used go first. */
const CACHE_SURVEYS = 50;

/** Sets a cache entry as the newest, dropping the oldest beyond `CACHE_SURVEYS`. */
export function remember<T>(cache: Map<string, T>, key: string, value: T): void {
  cache.delete(key);
  cache.set(key, value);
  for (const oldest of cache.keys()) {
    if (cache.size <= CACHE_SURVEYS) break;
    cache.delete(oldest);
  }
}
