// A large scan is ingested off the main thread: the event loop keeps running meanwhile.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, openSync, writeSync, closeSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const conmon = require('../lib.js')

function writeScan(file, megabytes) {
  const filler = 'The version of OpenSSL installed on the remote host is older than 3.0.13. '.repeat(20)
  const fd = openSync(file, 'w')
  writeSync(fd, '<?xml version="1.0" ?>\n<NessusClientData_v2><Report name="big">\n')
  let written = 0
  for (let n = 0; written < megabytes * 1e6; n++) {
    const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
    const block = `<ReportHost name="${ip}"><HostProperties><tag name="host-ip">${ip}</tag><tag name="Credentialed_Scan">true</tag></HostProperties>
<ReportItem port="443" svc_name="www" protocol="tcp" severity="3" pluginID="190854" pluginName="OpenSSL" pluginFamily="Web Servers"><cvss3_base_score>8.1</cvss3_base_score><description>${filler}</description></ReportItem>
<ReportItem port="443" svc_name="www" protocol="tcp" severity="2" pluginID="57582" pluginName="Self-signed" pluginFamily="General"><cvss3_base_score>6.5</cvss3_base_score><description>${filler}</description></ReportItem>
</ReportHost>\n`
    writeSync(fd, block)
    written += block.length
  }
  writeSync(fd, '</Report></NessusClientData_v2>\n')
  closeSync(fd)
}

test('the event loop keeps running while a 100 MB scan is ingested', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'conmon-node-')), 'big.nessus')
  writeScan(file, 100)
  assert.ok(statSync(file).size >= 100e6)
  let ticks = 0
  const timer = setInterval(() => ticks++, 1)
  const start = performance.now()
  const set = await conmon.readScans(file)
  const elapsed = performance.now() - start
  clearInterval(timer)
  assert.ok(set.length > 40000, `${set.length} findings`)
  // A blocked event loop would not have run the 1 ms timer at all during the read.
  assert.ok(elapsed > 50, `${elapsed} ms`)
  assert.ok(ticks > 0.3 * elapsed / 1.1, `${ticks} ticks in ${elapsed.toFixed(0)} ms`)
})
