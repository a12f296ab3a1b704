/**
 * The bounds of a bulk import, read once at startup: IMPORT_MAX_BYTES (the body, default 16 MiB, at most the
 * 64 MiB the API declares) and IMPORT_MAX_ROWS (data rows, default 200,000, at most 1,000,000). A value outside its
 * range stops startup with a problem naming the variable; past either bound a request is 413.
 */
import { ByteSize, Config, Context, Effect, Layer } from "effect"
import { StartupError } from "../shared/Environment.ts"
import { IMPORT_MAX_BYTES_CEILING } from "./OrdersApi.ts"
const CEILING = ByteSize.toNumberUnsafe(ByteSize.fromInputUnsafe(IMPORT_MAX_BYTES_CEILING))
const FLOOR = 1024
const MAX_ROWS_CEILING = 1_000_000

export class ImportLimits extends Context.Service<
  ImportLimits,
  { readonly maxBytes: number; readonly maxRows: number }
>()("tradeport/apps/http/ImportLimits") {}

export const layerConfig = Layer.effect(
  ImportLimits,
  Effect.gen(function* () {
    const maxBytes = ByteSize.toNumberUnsafe(
      yield* Config.ByteSize("IMPORT_MAX_BYTES").pipe(Config.withDefault(ByteSize.mebibytes(16)))
    )
    const maxRows = yield* Config.Int("IMPORT_MAX_ROWS").pipe(Config.withDefault(200_000))
    const problems = [
      ...(maxBytes < FLOOR || maxBytes > CEILING
        ? [`IMPORT_MAX_BYTES must be between 1 KiB and ${IMPORT_MAX_BYTES_CEILING} (got ${maxBytes} bytes)`]
        : []),
      ...(maxRows < 1 || maxRows > MAX_ROWS_CEILING
        ? [`IMPORT_MAX_ROWS must be between 1 and ${MAX_ROWS_CEILING} (got ${maxRows})`]
        : [])
    ]
    if (problems.length > 0) return yield* new StartupError({ problems })
    return ImportLimits.of({ maxBytes, maxRows })
  })
)
