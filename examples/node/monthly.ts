// The monthly ConMon job from TypeScript: read this month's scans, reconcile them against last
// month's POA&M, write the deliverables, print what is late. Type-checked by the Node tests
// (`tsc --noEmit -p examples/node`); run with `node --experimental-strip-types` (Node 22+) or
// after compiling with tsc.
//
//   node monthly.js SCAN_DIR OUT_DIR AS_OF [PREVIOUS_POAM_JSON]

import * as conmon from '../../bindings-node/lib'

async function main(argv: string[]): Promise<number> {
  const [scanDir, outDir, asOf, previousPath] = argv
  if (!scanDir || !outDir || !asOf) {
    console.error('usage: monthly SCAN_DIR OUT_DIR AS_OF [PREVIOUS_POAM_JSON]')
    return 2
  }
  const scans: conmon.ScanSet = await conmon.readScans(scanDir)
  const previous: conmon.Poam | null = previousPath ? await conmon.Poam.read(previousPath) : null
  const result: conmon.MonthlyResult = await conmon.runMonthly({
    scans,
    previous,
    asOf,
    policy: conmon.Policy.preset('fedramp_rev5'),
  })
  for (const file of await result.write(outDir)) console.log(`wrote ${file}`)
  const [open, closed] = result.poam.counts
  console.log(`POA&M ${asOf}: ${open} open, ${closed} closed`)
  const late: conmon.Clock[] = result.lateItems()
  for (const c of late) console.log(`LATE ${c.poamId}: due ${c.dueDate}, ${c.daysLate} day(s) late`)
  const errors: conmon.Issue[] = result.validation.diagnostics.filter((d) => d.severity === 'error')
  for (const d of errors) console.log(`ERROR ${d.code}: ${d.message}`)
  return result.validation.valid ? 0 : 1
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof conmon.ConmonError) console.error(`${e.code}: ${e.message}`)
    else console.error(e)
    process.exit(2)
  },
)
