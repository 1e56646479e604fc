/** Links from before hash routing open a stream with `?stream=ID` (docs, e2e tests): the
 *  address to replace such a location with (`#/streams/ID`), or null when there is nothing
 *  to translate. A hash route already in the address wins. Run before the router starts. */
export function legacyStreamUrl(href: string): string | null {
  const url = new URL(href);
  const stream = url.searchParams.get('stream');
  if (!stream) return null;
  url.searchParams.delete('stream');
  const route = url.hash.replace(/^#/, '');
  if (!route || route === '/') url.hash = `/streams/${encodeURIComponent(stream)}`;
  return url.pathname + url.search + url.hash;
}
