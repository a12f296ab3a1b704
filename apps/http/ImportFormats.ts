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
    const ch = line[i]!
    if (quoted) {
      if (ch === "\"" && line[i + 1] === "\"") {
        field += "\""
        i++
      } else if (ch === "\"") quoted = false
      else field += ch
    } else if (ch === "\"") quoted = true
    else if (ch === ",") {
      fields.push(field)
      field = ""
    } else field += ch
  }
  fields.push(field)
  return fields
}

/** Lines of a byte stream; a line break inside quotes (CSV) stays in its record. */
const records = (body: Stream.Stream<Uint8Array, unknown>, csv: boolean) =>
  body.pipe(
    Stream.decodeText(),
    Stream.mapAccum(() => "", (pending, chunk) => {
      const text = pending + chunk
      const out: Array<string> = []
      let start = 0
      let quotes = 0
      for (let i = 0; i < text.length; i++) {
        const ch = text[i]
        if (csv && ch === "\"") quotes++
        if (ch === "\n" && quotes % 2 === 0) {
          out.push(text.slice(start, i).replace(/\r$/, ""))
          start = i + 1
        }
      }
      return [text.slice(start), out]
    }, { onHalt: (rest) => (rest.trim().length > 0 ? [rest.replace(/\r$/, "")] : []) }),
    Stream.filter((line) => line.trim().length > 0)
  )

const fromObject = (value: unknown, row: number): RawRow => {
  const o = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {}
  const text = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined)
  return { row, sku: text(o["sku"]), quantity: typeof o["quantity"] === "number" ? o["quantity"] : text(o["quantity"]), location: text(o["location"]) }
}

export const readRows = (contentType: string, body: Stream.Stream<Uint8Array, unknown>): Effect.Effect<ReadonlyArray<RawRow>, ImportFormatError | unknown> => {
  const type = contentType.split(";")[0]!.trim().toLowerCase()
  if (type === "text/csv") {
    return Effect.gen(function*() {
      let header: Array<string> | undefined
      const rows: Array<RawRow> = []
      yield* records(body, true).pipe(Stream.runForEach((line) =>
        Effect.sync(() => {
          const fields = csvFields(line)
          if (header === undefined) {
            header = fields.map((f) => f.trim().toLowerCase())
            return
          }
          const at = (name: string) => {
            const index = header!.indexOf(name)
            return index < 0 ? undefined : fields[index]
          }
          rows.push({ row: rows.length + 1, sku: at("sku"), quantity: at("quantity"), location: at("location") })
        })
      ))
      if (header === undefined || !header.includes("sku") || !header.includes("quantity")) {
        return yield* Effect.fail(new ImportFormatError({ message: "the CSV header must name the columns sku and quantity" }))
      }
      return rows
    })
  }
  if (type === "application/x-ndjson") {
    return Effect.gen(function*() {
      const rows: Array<RawRow> = []
      yield* records(body, false).pipe(Stream.runForEach((line) =>
        Effect.sync(() => {
          let value: unknown
          try {
            value = JSON.parse(line)
          } catch {
            value = undefined
          }
          rows.push(fromObject(value, rows.length + 1))
        })
      ))
      return rows
    })
  }
  return Effect.gen(function*() {
    const text = yield* body.pipe(Stream.decodeText(), Stream.mkString)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return yield* Effect.fail(new ImportFormatError({ message: "the body is not valid JSON" }))
    }
    if (!Array.isArray(value)) return yield* Effect.fail(new ImportFormatError({ message: "a JSON import is an array of {sku, quantity, location?}" }))
    return value.map((v, i) => fromObject(v, i + 1))
  })
}
