/**
 * Import bodies read as streams: the same rows whatever the chunking (one byte at a time included), JSON arrays
 * split element by element, malformed bodies refused; and IMPORT_MAX_BYTES / IMPORT_MAX_ROWS checked at startup.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Stream } from "effect"
import { readRows } from "../../apps/http/ImportFormats.ts"
import * as ImportLimits from "../../apps/http/ImportLimits.ts"

const encoder = new TextEncoder()

/** The body cut into pieces of `size` bytes. */
const body = (text: string, size: number) => {
  const bytes = encoder.encode(text)
  return Stream.fromIterable(
    Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.slice(i * size, (i + 1) * size))
  )
}

const rows = (contentType: string, text: string, size: number) =>
  Stream.runCollect(readRows(contentType, body(text, size)))

const failure = (contentType: string, text: string) =>
  Stream.runCollect(readRows(contentType, body(text, 3))).pipe(
    Effect.flip,
    Effect.map((e) => (e instanceof Error ? e.message : String(e)))
  )

describe("import formats as streams", () => {
  it.effect("a JSON array, CSV and NDJSON give the same rows in any chunking", () =>
    Effect.gen(function* () {
      const json = JSON.stringify([
        { sku: "A,1", quantity: 5 },
        { sku: 'B"]', quantity: "7", location: "x[{" },
        { sku: "C\\\\", quantity: 0, extra: { nested: [1, 2] } }
      ])
      const expected = [
        { row: 1, sku: "A,1", quantity: 5, location: undefined },
        { row: 2, sku: 'B"]', quantity: "7", location: "x[{" },
        { row: 3, sku: "C\\\\", quantity: 0, location: undefined }
      ]
      for (const size of [1, 2, 7, 1024]) {
        assert.deepStrictEqual(yield* rows("application/json", ` \n${json}\n `, size), expected)
      }
      const csv = 'sku,quantity,location\r\n"A,1",5,\n"B""]",7,"x[{"\n\nC\\\\,0\n'
      const ndjson = json.slice(1, -1).replace(/\},\{"sku"/g, '}\n{"sku"')
      for (const size of [1, 5, 1024]) {
        const fromCsv = yield* rows("text/csv", csv, size)
        assert.deepStrictEqual(
          fromCsv.map((r) => [r.row, r.sku, r.quantity]),
          expected.map((r) => [r.row, r.sku, String(r.quantity)])
        )
        assert.deepStrictEqual(
          (yield* rows("application/x-ndjson", ndjson, size)).map((r) => [r.row, r.sku]),
          expected.map((r) => [r.row, r.sku])
        )
      }
      assert.deepStrictEqual(yield* rows("application/json", "[]", 1), [])
    })
  )

  it.effect("malformed bodies are refused with what is wrong", () =>
    Effect.gen(function* () {
      for (const text of ["", "[", "[1,]", "[,1]", "[1 2]", "[{]", "[1] x", "nonsense"]) {
        assert.strictEqual(yield* failure("application/json", text), "the body is not valid JSON", text)
      }
      for (const text of ['{"sku":"A"}', '"text"', "12"]) {
        assert.include(yield* failure("application/json", text), "is an array", text)
      }
      assert.include(yield* failure("text/csv", ""), "header must name")
      assert.include(yield* failure("text/csv", "sku,qty\nA,1"), "header must name")
    })
  )
})

describe("IMPORT_MAX_BYTES / IMPORT_MAX_ROWS", () => {
  const load = (env: Record<string, string>) =>
    Layer.build(ImportLimits.layerConfig).pipe(
      Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))),
      Effect.scoped
    )

  it.effect("defaults: 16 MiB and 200,000 rows; a value out of range or unreadable stops startup, named", () =>
    Effect.gen(function* () {
      yield* load({})
      yield* load({ IMPORT_MAX_BYTES: "64 MiB", IMPORT_MAX_ROWS: "1000000" })
      for (const [env, name] of [
        [{ IMPORT_MAX_BYTES: "65 MiB" }, "IMPORT_MAX_BYTES"],
        [{ IMPORT_MAX_BYTES: "10" }, "IMPORT_MAX_BYTES"],
        [{ IMPORT_MAX_BYTES: "lots" }, "IMPORT_MAX_BYTES"],
        [{ IMPORT_MAX_ROWS: "0" }, "IMPORT_MAX_ROWS"],
        [{ IMPORT_MAX_ROWS: "2000001" }, "IMPORT_MAX_ROWS"],
        [{ IMPORT_MAX_ROWS: "many" }, "IMPORT_MAX_ROWS"]
      ] as const) {
        const error = yield* Effect.flip(load(env))
        assert.include(
          "problems" in error ? error.problems.join("\n") : `${String(error.message)} ${JSON.stringify(error)}`,
          name
        )
      }
    })
  )
})
