/** The README's architecture table stays true: it names every folder of core/, adapters/, the providers and apps/. */
import { assert, describe, it } from "@effect/vitest"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "../..")
const folders = (dir: string) =>
  readdirSync(join(root, dir))
    .filter((name) => statSync(join(root, dir, name)).isDirectory())
    .map((name) => `${dir}/${name}`)

describe("README architecture", () => {
  it("lists every folder of core, adapters, adapters/providers and apps, and nothing that is gone", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8")
    const section = readme.slice(readme.indexOf("## Architecture"), readme.indexOf("## Identity and protection"))
    const listed = [...section.matchAll(/^\| `([a-z0-9/]+)` \|/gm)].map((m) => m[1] ?? "")
    const expected = [
      ...folders("core"),
      ...folders("adapters").filter((f) => f !== "adapters/providers"),
      ...folders("adapters/providers"),
      ...folders("apps")
    ]
    assert.deepStrictEqual(
      expected.filter((f) => !listed.includes(f)),
      [],
      "folders missing from the README table"
    )
    const gone = listed.filter((f) => f.includes("/") && !f.endsWith("/") && !expected.includes(f))
    assert.deepStrictEqual(gone, [], "README rows for folders that no longer exist")
    assert.isAbove(expected.length, 20)
  })
})
