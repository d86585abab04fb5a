// Parity: the JavaScript API gives exactly the core's output on the shared fixtures (the same
// expected JSON the Rust and Python tests check).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const conmon = require('../lib.js')
const root = fileURLToPath(new URL('../../', import.meta.url))
const fixtures = join(root, 'tests/fixtures')
const sample = join(root, 'examples/data/monthly')
const json = (p) => JSON.parse(readFileSync(p, 'utf8'))

test('clock cases', () => {
  const cases = json(join(fixtures, 'clock/cases.json'))
  assert.ok(cases.length >= 4)
  for (const c of cases) {
    const input = json(join(fixtures, 'clock', c.input))
    const policy = /\.(toml|json)$/.test(c.policy) ? conmon.Policy.fromFile(join(fixtures, 'clock', c.policy)) : conmon.Policy.preset(c.policy)
    // Inputs are the engine's snake_case JSON; snake_case keys pass through the API unchanged.
    const handle = Array.isArray(input) ? conmon.Poam.fromItems(input) : conmon.Poam.fromObject(input)
    const actual = conmon._snake(conmon.clocks(handle, { asOf: c.as_of, policy }))
    assert.deepEqual(actual, json(join(fixtures, 'clock', c.expected)), c.name)
  }
})

test('monthly sample', async () => {
  const policy = conmon.Policy.fromFile(join(sample, 'policy.toml'))
  let previous = null
  for (const [month, asOf] of [['2026-02', '2026-02-13'], ['2026-03', '2026-03-13']]) {
    const r = await conmon.reconcile(previous, await conmon.readScans(join(sample, month, 'os-web-db.nessus')), {
      asOf,
      policy,
      deviations: join(sample, 'deviations.json'),
      kev: join(sample, 'kev.json'),
    })
    const actual = conmon._snake({ poam: r.poam.toObject(), changes: r.changes, notObserved: r.notObserved })
    assert.deepEqual(actual, json(join(fixtures, 'monthly', `${month}.expected.json`)), month)
    previous = r.poam
  }
})
