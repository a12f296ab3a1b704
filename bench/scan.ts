/**
 * `npm run scan`: sqlmap (Debian's package) against the running API's parameterised endpoints — query strings, path
 * parameters (an order id, a webhook URL's connection id) and JSON bodies, as a logged-in member — with its report saved under `scan-results/sqlmap/`.
 * Prints, per target, whether sqlmap found an injectable parameter (it must find none).
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { machine } from "./support/App.ts"
import { startStack } from "./support/Stack.ts"

const OUT = "scan-results/sqlmap"
mkdirSync(OUT, { recursive: true })
const stack = await startStack("scan")
const token = await stack.owner("scan@example.com")
await stack.api("PUT", "/api/v1/products", { products: [{ sku: "SCAN-1", name: "scan" }] }, token)
await stack.api("POST", "/api/v1/inventory/bulk", [{ sku: "SCAN-1", quantity: 10 }], token)
const order = await stack.api("POST", "/api/v1/orders", { lines: [{ sku: "SCAN-1", quantity: 1 }] }, token)
const source = await stack.api("POST", "/api/v1/connections/custom", { name: "scan" }, token)
const webhookPath = new URL(String(source["webhookUrl"])).pathname

const targets: ReadonlyArray<{ readonly name: string; readonly args: ReadonlyArray<string> }> = [
  {
    name: "GET /api/v1/orders?status&limit&before",
    args: ["-u", `${stack.base}/api/v1/orders?status=reserved&limit=10&before=1_x`]
  },
  { name: "GET /api/v1/inventory?sku", args: ["-u", `${stack.base}/api/v1/inventory?sku=SCAN-1`] },
  { name: "GET /api/v1/org/audit?target&limit", args: ["-u", `${stack.base}/api/v1/org/audit?target=abc&limit=5`] },
  { name: "GET /api/v1/orders/{id}", args: ["-u", `${stack.base}/api/v1/orders/${String(order["id"])}*`] },
  {
    name: "POST /api/v1/auth/login (JSON)",
    args: ["-u", `${stack.base}/api/v1/auth/login`, "--data", '{"email":"scan@example.com","password":"x"}']
  },
  {
    name: "POST /api/v1/orders (JSON)",
    args: [
      "-u",
      `${stack.base}/api/v1/orders`,
      "--data",
      '{"lines":[{"sku":"SCAN-1","quantity":1}],"location":"default"}'
    ]
  },
  // The connection id of a webhook URL reaches the source lookup (webhook_source()) before any signature check.
  {
    name: "POST /webhooks/custom/{connectionId}",
    args: [
      "-u",
      `${stack.base}${webhookPath}*`,
      "--data",
      '{"type":"order.created","data":{"externalOrderId":"S-1","lines":[{"sku":"SCAN-1","quantity":1}]}}',
      "-H",
      "webhook-id: msg_scan",
      "-H",
      "webhook-timestamp: 1",
      "-H",
      "webhook-signature: v1,AAAA"
    ]
  }
]

const rows: Array<string> = []
for (const target of targets) {
  const started = Date.now()
  const run = spawnSync(
    "sqlmap",
    [
      ...target.args,
      "-H",
      `Authorization: Bearer ${token}`,
      "--batch",
      "--level=2",
      "--risk=1",
      "--threads=4",
      "--disable-coloring",
      "--flush-session",
      `--output-dir=${OUT}`,
      "--timeout=10",
      "--retries=1",
      // A refused login (401) is the answer under test, not a reason to stop.
      "--ignore-code=401"
    ],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }
  )
  const output = `${run.stdout}${run.stderr}`
  writeFileSync(`${OUT}/${target.name.replace(/[^A-Za-z0-9]+/g, "_")}.txt`, output)
  const injectable = /is vulnerable|appears to be injectable|sqlmap identified the following injection point/i.test(
    output
  )
  const clean = /do not appear to be injectable|all tested parameters do not appear/i.test(output)
  rows.push(
    `| ${target.name} | ${injectable ? "**INJECTABLE**" : clean ? "none" : "inconclusive (see report)"} | ${((Date.now() - started) / 1000).toFixed(0)} s |`
  )
  console.log(`${target.name}: ${injectable ? "INJECTABLE" : clean ? "no injectable parameter" : "inconclusive"}`)
}
await stack.stop()
console.log(`\nscan — ${machine()}; sqlmap --level=2 --risk=1 as a logged-in member; reports in ${OUT}/`)
console.log("| target | injectable parameters | time |")
console.log("|---|---|---|")
for (const row of rows) console.log(row)
process.exit(0)
