/**
 * Splits a SQL script into statements. Our Postgres driver speaks the extended query protocol, which takes one
 * statement per query, so a migration file is split here and its statements run in order inside the migrator's
 * transaction. Quotes, quoted identifiers, dollar-quoted bodies and comments are respected, so a `;` inside a
 * function body or a string never splits a statement.
 */
export const splitStatements = (script: string): ReadonlyArray<string> => {
  const statements: Array<string> = []
  let current = ""
  let i = 0
  const push = () => {
    const trimmed = current.trim()
    if (trimmed.length > 0) statements.push(trimmed)
    current = ""
  }
  while (i < script.length) {
    const ch = script.charAt(i)
    const rest = script.slice(i)
    if (rest.startsWith("--")) {
      const end = script.indexOf("\n", i)
      i = end === -1 ? script.length : end + 1
      current += "\n"
      continue
    }
    if (rest.startsWith("/*")) {
      const end = script.indexOf("*/", i + 2)
      i = end === -1 ? script.length : end + 2
      current += " "
      continue
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1
      while (j < script.length) {
        if (script[j] === ch && script[j + 1] === ch) j += 2
        else if (script[j] === ch) break
        else j++
      }
      current += script.slice(i, j + 1)
      i = j + 1
      continue
    }
    const dollar = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(rest)
    if (dollar !== null) {
      const tag = dollar[0]
      const end = script.indexOf(tag, i + tag.length)
      const stop = end === -1 ? script.length : end + tag.length
      current += script.slice(i, stop)
      i = stop
      continue
    }
    if (ch === ";") {
      push()
      i++
      continue
    }
    current += ch
    i++
  }
  push()
  return statements
}
