// The hostile-input suite through Node: every case of tests/fixtures/hostile/cases.json (the same
// files and expectations as the Rust and Python suites) fails with a ConmonError carrying the
// core's code, a message naming the problem and a location naming the file, quickly and without
// a memory spike.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const conmon = require('../lib.js')
const root = fileURLToPath(new URL('../../', import.meta.url))
const hostile = join(root, 'tests/fixtures/hostile')
const cases = JSON.parse(readFileSync(join(hostile, 'cases.json'), 'utf8'))

const readers = {
  scan: (p) => conmon.readScans(p),
  poam: (p) => conmon.Poam.read(p),
  policy: async (p) => conmon.Policy.fromFile(p),
}

// process.resourceUsage().maxRSS is in KiB.
const peakMb = () => process.resourceUsage().maxRSS / 1024

test('the suite is complete', () => {
  assert.ok(cases.length >= 15)
  assert.deepEqual(new Set(cases.map((c) => c.reader)), new Set(Object.keys(readers)))
})

for (const c of cases) {
  test(`hostile: ${c.file}`, async () => {
    const path = join(hostile, c.file)
    const before = peakMb()
    const start = performance.now()
    await assert.rejects(readers[c.reader](path), (e) => {
      assert.ok(e instanceof conmon.ConmonError, String(e))
      assert.equal(e.code, c.code, e.message)
      assert.ok(e.message.includes(c.contains), e.message)
      assert.equal(e.location.file, path)
      assert.ok(e.location.line != null || e.location.row != null || e.location.field != null, JSON.stringify(e.location))
      assert.ok(!e.message.includes('root:'))
      return true
    })
    assert.ok(performance.now() - start < 5000)
    assert.ok(peakMb() - before < 256, `peak RSS grew by ${peakMb() - before} MB`)
  })
}

for (const c of cases.filter((c) => c.reader === 'scan')) {
  test(`hostile bytes: ${c.file}`, async () => {
    await assert.rejects(conmon.readScans(readFileSync(join(hostile, c.file))), (e) => e instanceof conmon.ConmonError && e.code === c.code)
  })
}
