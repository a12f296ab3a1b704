/**
 * Reading bulk-import bodies as they arrive: CSV (RFC 4180 quoting; header row naming `sku`, `quantity` and
 * optionally `location`), NDJSON (one object per line), or a JSON array (decoded whole; bounded by the body limit).
 * Each yields RawRows numbered by their position among data rows.
 */
import { Effect, Schema, Stream } from "effect"
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

/**
 * Lines of a byte stream, scanning each byte once: the unfinished line and whether it is inside quotes carry over
 * from chunk to chunk (a line break inside quotes stays in its CSV record). A line past 1 MiB is refused.
 */
const records = (body: Stream.Stream<Uint8Array, unknown>, csv: boolean) =>
  body.pipe(
    Stream.decodeText(),
    Stream.mapAccum(
      () => ({ pending: "", quoted: false }),
      (state, chunk) => {
        let pending = state.pending
        let quoted = state.quoted
        const out: Array<string> = []
        let start = 0
        for (let i = 0; i < chunk.length; i++) {
          const ch = chunk[i]
          if (csv && ch === '"') quoted = !quoted
          else if (ch === "\n" && !quoted) {
            out.push((pending + chunk.slice(start, i)).replace(/\r$/, ""))
            pending = ""
            start = i + 1
          }
        }
        pending += chunk.slice(start)
        if (pending.length > MAX_LINE) {
          out.push(TOO_LONG)
          pending = ""
        }
        return [{ pending, quoted }, out]
      },
      { onHalt: (state) => (state.pending.trim().length > 0 ? [state.pending.replace(/\r$/, "")] : []) }
    ),
    Stream.filter((line) => line.trim().length > 0),
    Stream.mapEffect((line) =>
      line === TOO_LONG
        ? Effect.fail(new ImportFormatError({ message: "a line is longer than 1 MiB (an unclosed quote?)" }))
        : Effect.succeed(line)
    )
  )

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

export const readRows = (
  contentType: string,
  body: Stream.Stream<Uint8Array, unknown>
): Effect.Effect<ReadonlyArray<RawRow>, ImportFormatError | unknown> => {
  const [mediaType = ""] = contentType.split(";")
  const type = mediaType.trim().toLowerCase()
  if (type === "text/csv") {
    return Effect.gen(function* () {
      let header: Array<string> | undefined
      const rows: Array<RawRow> = []
      yield* records(body, true).pipe(
        Stream.runForEach((line) =>
          Effect.sync(() => {
            const fields = csvFields(line)
            if (header === undefined) {
              header = fields.map((f) => f.trim().toLowerCase())
              return
            }
            const columns = header
            const at = (name: string) => {
              const index = columns.indexOf(name)
              return index < 0 ? undefined : fields[index]
            }
            rows.push({ row: rows.length + 1, sku: at("sku"), quantity: at("quantity"), location: at("location") })
          })
        )
      )
      if (header === undefined || !header.includes("sku") || !header.includes("quantity")) {
        return yield* Effect.fail(
          new ImportFormatError({ message: "the CSV header must name the columns sku and quantity" })
        )
      }
      return rows
    })
  }
  if (type === "application/x-ndjson") {
    return Effect.gen(function* () {
      const rows: Array<RawRow> = []
      yield* records(body, false).pipe(
        Stream.runForEach((line) =>
          Effect.sync(() => {
            let value: unknown
            try {
              value = JSON.parse(line)
            } catch {
              value = undefined
            }
            rows.push(fromObject(value, rows.length + 1))
          })
        )
      )
      return rows
    })
  }
  return Effect.gen(function* () {
    const text = yield* body.pipe(Stream.decodeText(), Stream.mkString)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return yield* Effect.fail(new ImportFormatError({ message: "the body is not valid JSON" }))
    }
    if (!Array.isArray(value))
      return yield* Effect.fail(
        new ImportFormatError({ message: "a JSON import is an array of {sku, quantity, location?}" })
      )
    return value.map((v, i) => fromObject(v, i + 1))
  })
}
