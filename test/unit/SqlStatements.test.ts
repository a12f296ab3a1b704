import { assert, describe, it } from "@effect/vitest"
import { splitStatements } from "../../adapters/postgres/SqlStatements.ts"

describe("splitStatements", () => {
  it("splits on semicolons and drops comments and blanks", () => {
    const script =
      "-- header; with a semicolon\nCREATE TABLE a (x int);\n\n/* block; comment */ CREATE TABLE b (y int);\n;"
    assert.deepStrictEqual(splitStatements(script), ["CREATE TABLE a (x int)", "CREATE TABLE b (y int)"])
  })
  it("keeps semicolons inside strings, quoted identifiers and dollar-quoted bodies", () => {
    const fn = "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN PERFORM 1; RETURN 2; END $body$ LANGUAGE plpgsql"
    const script = `INSERT INTO t VALUES ('a;b', 'it''s; fine');\nCREATE TABLE "we;ird" (x int);\n${fn};\nDO $$ BEGIN NULL; END $$;`
    assert.deepStrictEqual(splitStatements(script), [
      "INSERT INTO t VALUES ('a;b', 'it''s; fine')",
      'CREATE TABLE "we;ird" (x int)',
      fn,
      "DO $$ BEGIN NULL; END $$"
    ])
  })
  it("a final statement without semicolon is kept", () => {
    assert.deepStrictEqual(splitStatements("SELECT 1;SELECT 2"), ["SELECT 1", "SELECT 2"])
  })
})
