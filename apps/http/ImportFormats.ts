/**
 * Reading bulk-import bodies as they arrive, row by row: CSV (RFC 4180 quoting; header row naming `sku`, `quantity`
 * and optionally `location`), NDJSON (one object per line), or a JSON array (split into its elements as the bytes
 * arrive, each element parsed on its own). Each yields a stream of RawRows numbered by their position among data
 * rows; nothing holds more than the current line or element.
 */
import { Array as Arr, Effect, Schema, Stream } from "effect"
import type { RawRow } from "../../core/inventory/BulkImport.ts"

export class ImportFormatError extends Schema.TaggedError<ImportFormatError>()("ImportFormatError", {
  message: Schema.String
}) {}

/** Splits one CSV record (already a complete line) into fields, honouring quotes and doubled quotes. */
export const csvFields = (line: string): Array<string> => {
  const fields: Array<string> = []
  let field = ""
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line.charAt(i)
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ",") {
      fields.push(field)
      field = ""
    } else field += ch
  }
  fields.push(field)
  return fields
}

const MAX_LINE = 1024 * 1024
/** Emitted in place of a line longer than MAX_LINE (a NUL never appears in a valid record). */
const TOO_LONG = "\u0000line-too-long"
const tooLong = (what: string) =>
  Effect.fail(new ImportFormatError({ message: `${what} is longer than 1 MiB (an unclosed quote?)` }))

/**
 * Lines of a byte stream, scanning each byte once: the unfinished line and whether it is inside quotes carry over
 * from chunk to chunk (a line break inside quotes stays in its CSV record). A line past 1 MiB is refused. Lines
 * travel as one array per chunk of text (an effect per line would cost more than parsing it).
 */
const records = <E>(body: Stream.Stream<Uint8Array, E>, csv: boolean) =>
  body.pipe(
    Stream.decodeText(),
    Stream.mapAccum(
      () => ({ pending: "", quoted: false }),
      (state, chunk): readonly [{ pending: string; quoted: boolean }, ReadonlyArray<ReadonlyArray<string>>] => {
        let pending = state.pending
        let quoted = state.quoted
        const out: Array<string> = []
        let start = 0
        for (let i = 0; i < chunk.length; i++) {
          const ch = chunk[i]
          if (csv && ch === '"') quoted = !quoted
          else if (ch === "\n" && !quoted) {
            const line = (pending + chunk.slice(start, i)).replace(/\r$/, "")
            if (line.trim().length > 0) out.push(line)
            pending = ""
            start = i + 1
          }
        }
        pending += chunk.slice(start)
        if (pending.length > MAX_LINE) {
          out.push(TOO_LONG)
          pending = ""
        }
        return [{ pending, quoted }, [out]]
      },
      { onHalt: (state) => (state.pending.trim().length > 0 ? [[state.pending.replace(/\r$/, "")]] : []) }
    ),
    Stream.mapEffect((lines) => (lines.includes(TOO_LONG) ? tooLong("a line") : Effect.succeed(lines)))
  )

/** Back from one array per chunk to a stream of rows, keeping the chunks. */
const flatten = <A, E>(arrays: Stream.Stream<ReadonlyArray<A>, E>) =>
  arrays.pipe(Stream.filter(Arr.isReadonlyArrayNonEmpty), Stream.flattenArray)

const fromObject = (value: unknown, row: number): RawRow => {
  const o = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {}
  const text = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined)
  return {
    row,
    sku: text(o["sku"]),
    quantity: typeof o["quantity"] === "number" ? o["quantity"] : text(o["quantity"]),
    location: text(o["location"])
  }
}

const parseOrUndefined = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const csvRows = <E>(body: Stream.Stream<Uint8Array, E>) =>
  Stream.suspend(() => {
    let header: Array<string> | undefined
    let row = 0
    const badHeader = new ImportFormatError({ message: "the CSV header must name the columns sku and quantity" })
    const rows = records(body, true).pipe(
      Stream.mapEffect((lines): Effect.Effect<ReadonlyArray<RawRow>, ImportFormatError> => {
        const out: Array<RawRow> = []
        for (const line of lines) {
          const fields = csvFields(line)
          if (header === undefined) {
            header = fields.map((f) => f.trim().toLowerCase())
            if (!header.includes("sku") || !header.includes("quantity")) return Effect.fail(badHeader)
            continue
          }
          const columns = header
          const at = (name: string) => {
            const index = columns.indexOf(name)
            return index < 0 ? undefined : fields[index]
          }
          row++
          out.push({ row, sku: at("sku"), quantity: at("quantity"), location: at("location") })
        }
        return Effect.succeed(out)
      }),
      flatten
    )
    // An empty body has no header either.
    return Stream.concat(
      rows,
      Stream.suspend(() => (header === undefined ? Stream.fail(badHeader) : Stream.empty))
    )
  })

const ndjsonRows = <E>(body: Stream.Stream<Uint8Array, E>) =>
  Stream.suspend(() => {
    let row = 0
    return records(body, false).pipe(
      Stream.map((lines) => lines.map((line) => fromObject(parseOrUndefined(line), ++row))),
      flatten
    )
  })

/**
 * The elements of a JSON array as they arrive: depth and string state carry over from chunk to chunk; an element
 * ends at a comma or the closing bracket at depth 1 and is parsed on its own. Anything but one array is refused.
 */
const jsonArrayRows = <E>(body: Stream.Stream<Uint8Array, E>) =>
  Stream.suspend(() => {
    const notJson = new ImportFormatError({ message: "the body is not valid JSON" })
    const notArray = new ImportFormatError({ message: "a JSON import is an array of {sku, quantity, location?}" })
    let state: "before" | "inside" | "after" = "before"
    let depth = 0
    let inString = false
    let escaped = false
    let element = ""
    let row = 0
    /** Ends the element before a comma or the closing bracket; only `[]` may close on nothing. */
    const finish = (out: Array<RawRow>, closing: boolean): ImportFormatError | undefined => {
      const text = element.trim()
      element = ""
      if (text.length === 0) return closing && row === 0 ? undefined : notJson
      const value = parseOrUndefined(text)
      if (value === undefined) return notJson
      row++
      out.push(fromObject(value, row))
      return undefined
    }
    const chunks = body.pipe(
      Stream.decodeText(),
      Stream.mapEffect((chunk): Effect.Effect<ReadonlyArray<RawRow>, ImportFormatError> => {
        const out: Array<RawRow> = []
        let start = 0
        for (let i = 0; i < chunk.length; i++) {
          const ch = chunk.charAt(i)
          if (state === "before") {
            if (ch === "[") {
              state = "inside"
              start = i + 1
            } else if (!/\s/.test(ch)) return Effect.fail(/[{"\d-]/.test(ch) ? notArray : notJson)
            continue
          }
          if (state === "after") {
            if (!/\s/.test(ch)) return Effect.fail(notJson)
            continue
          }
          if (inString) {
            if (escaped) escaped = false
            else if (ch === "\\") escaped = true
            else if (ch === '"') inString = false
          } else if (ch === '"') inString = true
          else if (ch === "{" || ch === "[") depth++
          else if ((ch === "}" || ch === "]") && depth > 0) depth--
          else if (depth === 0 && (ch === "," || ch === "]")) {
            element += chunk.slice(start, i)
            start = i + 1
            const problem = finish(out, ch === "]")
            if (problem !== undefined) return Effect.fail(problem)
            if (ch === "]") state = "after"
          }
        }
        if (state === "inside") element += chunk.slice(start)
        return element.length > MAX_LINE ? tooLong("an array element") : Effect.succeed(out)
      }),
      flatten
    )
    return Stream.concat(
      chunks,
      Stream.suspend(() => (state === "after" ? Stream.empty : Stream.fail(notJson)))
    )
  })

/** The rows of an import body, by its media type (JSON when none is given). */
export const readRows = <E>(
  contentType: string,
  body: Stream.Stream<Uint8Array, E>
): Stream.Stream<RawRow, ImportFormatError | E> => {
  const [mediaType = ""] = contentType.split(";")
  const type = mediaType.trim().toLowerCase()
  if (type === "text/csv") return csvRows(body)
  if (type === "application/x-ndjson") return ndjsonRows(body)
  return jsonArrayRows(body)
}
