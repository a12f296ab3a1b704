/**
 * Schema migrations: numbered SQL files in `migrations/` (`0001_name.sql`), applied in order by Effect's Migrator,
 * each in its own transaction, recorded in `tradeport_migrations`. Run at startup by the apps and by
 * `npm run migrate`. Owns loading and applying; the SQL itself lives in the files.
 */
import { Effect } from "effect"
import { Migrator, SqlClient } from "effect/sql"
import { readdir, readFile } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { splitStatements } from "./SqlStatements.ts"

export const migrationsDir = fileURLToPath(new URL("../../migrations", import.meta.url))

const FILE = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/

/** A Migrator loader over a directory of `.sql` files. */
export const fromSqlDirectory = (directory: string): Migrator.Loader =>
  Effect.tryPromise({
    try: async () => {
      const files = (await readdir(directory)).flatMap((file) => {
        const [, id, name] = FILE.exec(file) ?? []
        return id === undefined || name === undefined ? [] : [{ file, id: Number(id), name }]
      })
      return files
        .sort((a, b) => a.id - b.id)
        .map(
          ({ file, id, name }): Migrator.ResolvedMigration => [
            id,
            name,
            Effect.promise(() => readFile(`${directory}/${file}`, "utf8")).pipe(
              Effect.map((script) =>
                Effect.gen(function* () {
                  const sql = yield* SqlClient.SqlClient
                  for (const statement of splitStatements(script)) yield* sql.unsafe(statement)
                })
              )
            )
          ]
        )
    },
    catch: (cause) => new Migrator.MigrationError({ kind: "Failed", message: `cannot read ${directory}`, cause })
  })

const migrator = Migrator.make({})

/** Applies every pending migration; returns the ones applied now. */
export const run = (directory = migrationsDir) =>
  migrator({ loader: fromSqlDirectory(directory), table: "tradeport_migrations" }).pipe(
    Effect.tap((applied) =>
      applied.length === 0
        ? Effect.logDebug("migrations: schema is up to date")
        : Effect.logInfo("migrations: applied").pipe(
            Effect.annotateLogs({ migrations: applied.map(([id, name]) => `${id}_${name}`) })
          )
    ),
    Effect.withSpan("Migrations.run")
  )
