// The addon builds, loads and reports the engine version of the workspace.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const conmon = require('../index.js')

test('engineVersion matches the workspace version', () => {
  const cargo = readFileSync(new URL('../../Cargo.toml', import.meta.url), 'utf8')
  const version = cargo.match(/^version = "([^"]+)"/m)[1]
  assert.equal(conmon.engineVersion(), version)
})
