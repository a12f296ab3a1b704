/**
 * The house rules, checked on every `npm test` against the import graph as TypeScript itself resolves it.
 *
 * TypeScript 7 (the native compiler) has no JS API, so the graph comes from
 * `tsc -p . --traceResolution --listFiles --noEmit --noCheck` (a few seconds): every module specifier of every
 * program file is traced as a "Resolving module '<specifier>' from '<file>'" block ending in "resolved to '<file>'"
 * or "was not resolved"; `--listFiles` names the program's files, so a file left out of it fails the suite.
 * `--explainFiles` is not enough: `node:*` built-ins are ambient declarations of @types/node, resolve to no file and
 * so never appear there. Packages are judged by the file they resolve to (`effect/sql` →
 * node_modules/effect/dist/sql/index.d.ts), built-ins by their specifier. Type-only imports count: they are edges.
 *
 * Rules: core imports only core, effect (none of its infrastructure modules) and node:crypto; adapters never import
 * apps; an adapter family never imports another (a provider folder may import adapters/providers/shared); modules of
 * apps/http other than the wiring (Server.ts, main.ts) import no adapter; and, by a scan of the source text, no
 * `any`, double casts or suppressed type errors in core, adapters or apps.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs"
import { builtinModules } from "node:module"
import { isAbsolute, join, relative, resolve, sep } from "node:path"

const root = realpathSync(resolve(import.meta.dirname, "../.."))

/** One import as TypeScript resolved it; paths are relative to the repository root, `/`-separated. */
interface Edge {
  readonly from: string
  readonly specifier: string
  /** The resolved file, or undefined for what resolves to no file (node: built-ins, missing modules). */
  readonly to: string | undefined
}

const filesUnder = (dir: string): Array<string> =>
  readdirSync(join(root, dir)).flatMap((name) => {
    const path = `${dir}/${name}`
    return statSync(join(root, path)).isDirectory() ? filesUnder(path) : path.endsWith(".ts") ? [path] : []
  })

/** Root-relative and `/`-separated; a package's file as `node_modules/<package>/…` wherever that folder is. */
const located = (path: string): string => {
  const parts = relative(root, path).split(sep)
  const at = parts.lastIndexOf("node_modules")
  return (at === -1 ? parts : parts.slice(at)).join("/")
}

const START = /^======== Resolving module '([^']+)' from '([^']+)'\. ========$/
const END = new RegExp(
  "^======== Module name '([^']+)' was " +
    "(?:successfully resolved to '([^']+)'(?: with Package ID '[^']+')?|not resolved)\\. ========$"
)

interface Program {
  /** Every file of the program (`--listFiles`), relative to the root. */
  readonly files: ReadonlySet<string>
  readonly edges: ReadonlyArray<Edge>
}

/** Throws on anything it does not understand: a drifted trace format must fail the suite, not empty the graph. */
const parseTrace = (trace: string): Program => {
  const edges: Array<Edge> = []
  const files = new Set<string>()
  let open: { readonly specifier: string; readonly from: string } | undefined
  trace.split("\n").forEach((line, i) => {
    const start = START.exec(line)
    const end = start ? null : END.exec(line)
    if (start?.[1] !== undefined && start[2] !== undefined) {
      if (open) throw new Error(`trace line ${i + 1}: '${open.specifier}' from ${open.from} never finished resolving`)
      open = { specifier: start[1], from: located(start[2]) }
    } else if (end?.[1] !== undefined) {
      if (open?.specifier !== end[1]) throw new Error(`trace line ${i + 1}: result without its request: ${line}`)
      edges.push({ ...open, to: end[2] === undefined ? undefined : located(end[2]) })
      open = undefined
    } else if (/^======== (Resolving module|Module name) /.test(line)) {
      throw new Error(`trace line ${i + 1}: format not understood: ${line}`)
    } else if (open === undefined && isAbsolute(line)) {
      files.add(located(line))
    }
  })
  if (open) throw new Error(`trace ended while resolving '${open.specifier}' from ${open.from}`)
  return { files, edges }
}

/** `--noCheck`: resolution only, no type-checking (that is `npm run typecheck`'s job); ~40 MB of trace. */
const TSC_ARGS = ["-p", ".", "--traceResolution", "--listFiles", "--noEmit", "--noCheck"]

const traceProgram = (): string => {
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), ...TSC_ARGS], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1024 * 1024 * 1024
  })
  if (tsc.error) throw tsc.error
  if (tsc.status !== 0) {
    const errors = tsc.stdout
      .split("\n")
      .filter((line) => /error TS\d+/.test(line))
      .slice(0, 20)
    throw new Error(`tsc ${TSC_ARGS.join(" ")} exited ${tsc.status}:\n${[...errors, tsc.stderr].join("\n")}`)
  }
  return tsc.stdout
}

/** The program, checked for plausibility so that no rule can pass on an empty or partial graph. */
const loadProgram = (): Program => {
  const program = parseTrace(traceProgram())
  const { edges, files } = program
  if (edges.length < 5_000) throw new Error(`implausibly small import graph: ${edges.length} imports traced`)
  const missing = ["core", "adapters", "apps"].flatMap(filesUnder).filter((file) => !files.has(file))
  if (missing.length > 0) throw new Error(`not in the program tsc traced (tsconfig include?):\n${missing.join("\n")}`)
  return program
}

/** tsc runs once for all the rules; a failure is kept and rethrown, so every rule reports it without a rerun. */
let loaded: { readonly program: Program } | { readonly failure: unknown } | undefined
const program = (): Program => {
  if (loaded === undefined) {
    try {
      loaded = { program: loadProgram() }
    } catch (failure) {
      loaded = { failure }
    }
  }
  if ("failure" in loaded) throw loaded.failure
  return loaded.program
}

const builtin = (specifier: string): string | undefined =>
  specifier.startsWith("node:") ? specifier : builtinModules.includes(specifier) ? `node:${specifier}` : undefined

const show = (edge: Edge): string =>
  `${edge.from} → ${edge.to ?? builtin(edge.specifier) ?? "(unresolved)"} ("${edge.specifier}")`

/** Violations as readable lines, once each (two import declarations of one module are two traced edges). */
const listed = (edges: ReadonlyArray<Edge>): Array<string> => [...new Set(edges.map(show))]

const importsFrom = (area: string): Array<Edge> => program().edges.filter((edge) => edge.from.startsWith(`${area}/`))

const isUnder = (path: string | undefined, area: string): boolean => path?.startsWith(`${area}/`) ?? false

/** The package of a located file: `node_modules/@effect/sql-pg/dist/PgClient.d.ts` → `@effect/sql-pg`. */
const packageOf = (path: string): string | undefined => {
  const [top, scope, name] = path.split("/")
  if (top !== "node_modules") return undefined
  return scope?.startsWith("@") ? `${scope}/${name}` : scope
}

/** Effect's modules that are infrastructure, not domain: they belong in adapters and apps. */
const EFFECT_INFRASTRUCTURE = /^node_modules\/effect\/dist\/(sql|http|http-api|persistence)\//

/** `adapters/postgres/X.ts` → `adapters/postgres`; a provider folder is a family of its own. */
const familyOf = (path: string): string => {
  const parts = path.split("/")
  return parts[1] === "providers" && parts.length > 3 ? parts.slice(0, 3).join("/") : parts.slice(0, 2).join("/")
}

const HTTP_WIRING = new Set(["apps/http/Server.ts", "apps/http/main.ts"])

// Whichever rule runs first waits for tsc (a few seconds, more on a loaded machine).
describe("architecture (the import graph as tsc resolves it)", { timeout: 60_000 }, () => {
  it("core imports only core, effect (not its sql, http, http-api or persistence modules) and node:crypto", () => {
    const allowed = (edge: Edge): boolean =>
      edge.to === undefined
        ? builtin(edge.specifier) === "node:crypto"
        : isUnder(edge.to, "core") || (packageOf(edge.to) === "effect" && !EFFECT_INFRASTRUCTURE.test(edge.to))
    assert.deepStrictEqual(listed(importsFrom("core").filter((edge) => !allowed(edge))), [])
  })

  it("adapters never import apps", () => {
    const violations = importsFrom("adapters").filter((edge) => isUnder(edge.to, "apps"))
    assert.deepStrictEqual(listed(violations), [])
  })

  it("an adapter family never imports another (provider folders may import adapters/providers/shared)", () => {
    const violations = importsFrom("adapters").filter((edge) => {
      if (edge.to === undefined || !isUnder(edge.to, "adapters")) return false
      const from = familyOf(edge.from)
      const to = familyOf(edge.to)
      return from !== to && !(to === "adapters/providers/shared" && from.startsWith("adapters/providers/"))
    })
    assert.deepStrictEqual(listed(violations), [])
  })

  it("apps/http modules import no adapter: only the wiring (Server.ts, main.ts) chooses adapters", () => {
    const violations = importsFrom("apps/http").filter(
      (edge) => !HTTP_WIRING.has(edge.from) && isUnder(edge.to, "adapters")
    )
    assert.deepStrictEqual(listed(violations), [])
  })

  it("no any, no double casts, no suppressed type errors in core, adapters or apps", () => {
    const forbidden = /\bas any\b|:\s*any\b|<any>|\bas never\b|as unknown as|@ts-ignore|@ts-expect-error/
    const violations = ["core", "adapters", "apps"].flatMap((dir) =>
      filesUnder(dir).flatMap((file) =>
        readFileSync(join(root, file), "utf8")
          .split("\n")
          .flatMap((line, i) => (forbidden.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []))
      )
    )
    assert.deepStrictEqual(violations, [])
  })

  it("the graph is the compiler's and covers the tree (a guard against a vacuous pass)", () => {
    const { edges, files } = program()
    const has = (from: string, specifier: string, to: string | undefined) =>
      edges.some((edge) => edge.from === from && edge.specifier === specifier && edge.to === to)
    assert.isTrue(has("core/ops/Readiness.ts", "effect", "node_modules/effect/dist/index.d.ts"))
    assert.isTrue(has("adapters/postgres/Database.ts", "../../core/ops/Readiness.ts", "core/ops/Readiness.ts"))
    assert.isTrue(has("core/identity/Sessions.ts", "node:crypto", undefined))
    assert.isTrue(edges.some((edge) => edge.from.startsWith("adapters/") && EFFECT_INFRASTRUCTURE.test(edge.to ?? "")))
    assert.isAbove(importsFrom("core").length, 50)
    assert.isTrue(files.has("apps/http/Paths.ts"))
    assert.throws(() => parseTrace("======== Resolving module 'a' from '/x.ts'. ========\n"), /while resolving 'a'/)
    assert.throws(() => parseTrace("======== Module name 'a' was found elsewhere. ========"), /format not understood/)
    assert.strictEqual(packageOf("node_modules/@effect/sql-pg/dist/PgClient.d.ts"), "@effect/sql-pg")
    assert.strictEqual(packageOf("node_modules/effect/dist/sql/index.d.ts"), "effect")
    assert.strictEqual(familyOf("adapters/providers/ups/UpsClient.ts"), "adapters/providers/ups")
    assert.strictEqual(familyOf("adapters/memory/MemoryRateCounter.ts"), "adapters/memory")
  })
})
