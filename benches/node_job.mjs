// The same monthly job as `monthly-job run DIR`, through the Node API (benches/binding-overhead.sh).
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const conmon = require('../bindings-node/lib.js')

const dir = process.argv[2]
const start = performance.now()
let jan = await conmon.readScans(`${dir}/month1.csv`)
const first = await conmon.reconcile(null, jan, { asOf: '2026-01-13' })
jan = null
const feb = await conmon.readScans(`${dir}/month2.csv`)
const second = await conmon.reconcile(first.poam, feb, { asOf: '2026-02-13' })
const secs = (performance.now() - start) / 1000
console.log(`node: ${feb.length} findings, ${second.poam.counts[0]} open, ${second.changes.length} changes, ${secs.toFixed(3)} s`)
