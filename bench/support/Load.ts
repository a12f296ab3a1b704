/**
 * Runs the load generator (load-worker.ts: autocannon, its own process) and returns its figures. Both sides of a
 * comparison go through it, at the same connection count.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { LoadSpec } from "./load-worker.ts"

export interface LoadResult {
  readonly requests: number
  readonly seconds: number
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly errors: number
  readonly timeouts: number
  readonly statuses: Readonly<Record<string, number>>
}

export const AUTOCANNON = "autocannon 9 (own process, keep-alive connections)"

export const load = (spec: LoadSpec): Promise<LoadResult> => {
  const file = join(mkdtempSync(join(tmpdir(), "tradeport-load-")), "spec.json")
  writeFileSync(file, JSON.stringify(spec))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL("./load-worker.ts", import.meta.url).pathname, file], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let output = ""
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => (output += chunk))
    child.once("error", reject)
    child.once("exit", (code) => {
      const line = output.trim().split("\n").pop() ?? ""
      if (code !== 0 || !line.startsWith("{"))
        return reject(new Error(`load generator exited ${code}: ${output.slice(-500)}`))
      resolve(JSON.parse(line) as LoadResult)
    })
  })
}

/** `status × count` pairs, for the printed outcome line. */
export const statusLine = (result: LoadResult) =>
  Object.entries(result.statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(" ") +
  (result.errors > 0 ? ` errors×${result.errors}` : "") +
  (result.timeouts > 0 ? ` timeouts×${result.timeouts}` : "")
