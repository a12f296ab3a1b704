/**
 * The path as the router understands it. The router matches case-insensitively, ends the path at `?`, `;` or `#`,
 * decodes percent-escapes and ignores duplicate slashes, so `/API/v1//%61uth/login` and `/%61pi/v1/auth/login;%ZZ`
 * reach the login handler: every decision made on the path (auth rate limit, no-store, probe exemptions) must use
 * this canonical form, or it can be sidestepped.
 */
export const canonicalPath = (url: string): string => {
  const known = recent.get(url)
  if (known !== undefined) return known
  const path = canonicalize(url)
  // Every request asks up to three times (rate limit, headers, access log); hot paths repeat across requests. Only
  // short URLs without a query are remembered: unique query strings would only churn the cache, long URLs bloat it.
  if (url.length <= 256 && !url.includes("?")) {
    if (recent.size >= 1024) recent.clear()
    recent.set(url, path)
  }
  return path
}

const recent = new Map<string, string>()

const canonicalize = (url: string): string => {
  // Like the router (effect's FindMyWay): the path ends at the first `?`, `;` or `#` after its first character
  // (`/login;jsessionid=1` is `/login`), and is decoded with decodeURI, which leaves reserved escapes such as %2F
  // alone; a path decodeURI refuses is not routed at all.
  const end = url.slice(1).search(/[?;#]/)
  const raw = end === -1 ? url : url.slice(0, end + 1)
  let decoded = raw
  try {
    decoded = decodeURI(raw)
  } catch {
    // Malformed escapes: the router will not match them either; judge the raw form.
  }
  const collapsed = decoded.replace(/\/{2,}/g, "/").toLowerCase()
  return collapsed.length > 1 && collapsed.endsWith("/") ? collapsed.slice(0, -1) : collapsed
}
