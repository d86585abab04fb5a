// The TypeScript example of the monthly job type-checks against lib.d.ts (tsc --noEmit), and
// the generated index.d.ts declares every native export lib.js uses.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const pkg = fileURLToPath(new URL('../', import.meta.url))
const root = fileURLToPath(new URL('../../', import.meta.url))

test('examples/node type-checks with tsc --noEmit', () => {
  const tsc = join(pkg, 'node_modules/typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '--noEmit', '-p', join(root, 'examples/node')], { stdio: 'pipe' })
})

test('lib.js only calls native functions that index.d.ts declares', () => {
  const lib = readFileSync(join(pkg, 'lib.js'), 'utf8')
  const dts = readFileSync(join(pkg, 'index.d.ts'), 'utf8')
  const used = new Set([...lib.matchAll(/native\.(\w+)/g)].map((m) => m[1]))
  for (const name of used) assert.match(dts, new RegExp(`\\b${name}\\b`), name)
})
