/**
 * The house rules, checked on every `npm test` by parsing imports:
 * core/ imports only `effect` (and node:crypto for pure hashing); adapters never import apps; core never imports
 * adapters or apps; nothing in core/adapters/apps uses `any` or a double cast.
 */
import { assert, describe, it } from "@effect/vitest"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative, resolve } from "node:path"

const root = resolve(import.meta.dirname, "../..")

const filesUnder = (dir: string): Array<string> =>
  readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name)
    return statSync(join(root, path)).isDirectory() ? filesUnder(path) : path.endsWith(".ts") ? [path] : []
  })

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g

const importsOf = (file: string): Array<string> =>
  [...readFileSync(join(root, file), "utf8").matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? "")

const resolvedArea = (file: string, specifier: string): string | undefined => {
  if (!specifier.startsWith(".")) return undefined
  return relative(root, resolve(root, file, "..", specifier)).split("/")[0]
}

describe("architecture", () => {
  it("core imports only effect and node:crypto", () => {
    const violations = filesUnder("core").flatMap((file) =>
      importsOf(file)
        .filter((spec) => !(spec === "effect" || spec.startsWith("effect/") || spec === "node:crypto" || spec.startsWith(".")))
        .map((spec) => `${file} → ${spec}`)
    )
    assert.deepStrictEqual(violations, [])
  })

  it("core never reaches into adapters or apps; effect's infrastructure modules stay out of core", () => {
    const violations = filesUnder("core").flatMap((file) =>
      importsOf(file)
        .filter((spec) => {
          const area = resolvedArea(file, spec)
          return area === "adapters" || area === "apps" || /^effect\/(sql|http|http-api|persistence)/.test(spec)
        })
        .map((spec) => `${file} → ${spec}`)
    )
    assert.deepStrictEqual(violations, [])
  })

  it("adapters never import apps", () => {
    const violations = filesUnder("adapters").flatMap((file) =>
      importsOf(file).filter((spec) => resolvedArea(file, spec) === "apps").map((spec) => `${file} → ${spec}`)
    )
    assert.deepStrictEqual(violations, [])
  })

  it("no any, no double casts, no suppressed type errors in core, adapters or apps", () => {
    const escape = /\bas any\b|:\s*any\b|<any>|\bas never\b|as unknown as|@ts-ignore|@ts-expect-error/
    const violations = ["core", "adapters", "apps"].flatMap((dir) =>
      filesUnder(dir).flatMap((file) =>
        readFileSync(join(root, file), "utf8").split("\n").flatMap((line, i) => (escape.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []))
      )
    )
    assert.deepStrictEqual(violations, [])
  })

  it("the checks see the tree (a guard against a vacuous pass)", () => {
    assert.isAbove(filesUnder("core").length, 3)
    assert.include(importsOf("core/ops/Readiness.ts"), "effect")
  })
})
