/**
 * The path as the router understands it. The router matches case-insensitively, decodes percent-escapes and
 * ignores duplicate slashes, so `/API/v1//%61uth/login` reaches the login handler: every decision made on the
 * path (auth rate limit, no-store, probe exemptions) must use this canonical form, or it can be sidestepped.
 */
export const canonicalPath = (url: string): string => {
  const known = recent.get(url)
  if (known !== undefined) return known
  const path = canonicalize(url)
  // Every request asks up to three times (rate limit, headers, access log); hot paths repeat across requests.
  if (recent.size >= 1024) recent.clear()
  recent.set(url, path)
  return path
}

const recent = new Map<string, string>()

const canonicalize = (url: string): string => {
  const raw = url.split("?")[0]?.split("#")[0] ?? url
  let decoded = raw
  try {
    decoded = decodeURIComponent(raw)
  } catch {
    // Malformed escapes: the router will not match them either; judge the raw form.
  }
  const collapsed = decoded.replace(/\/{2,}/g, "/").toLowerCase()
  return collapsed.length > 1 && collapsed.endsWith("/") ? collapsed.slice(0, -1) : collapsed
}
