// The JavaScript API over the bundled sample package: scans, policies, POA&M formats,
// reconcile, clocks, validation, calendar, the monthly job, errors.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, sep } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const conmon = require('../lib.js')
const root = fileURLToPath(new URL('../../', import.meta.url))
const sample = join(root, 'examples/data/monthly')
const tmp = () => mkdtempSync(join(tmpdir(), 'conmon-node-'))

test('readScans walks directories in the core\'s order', async () => {
  // The same tree and order as the core's test (tests/ingest_formats.rs): recursive, hidden
  // entries skipped, sorted by path component by component (`a/...` before `a.json`).
  const fixtures = join(root, 'tests/fixtures')
  const dir = join(tmp(), '2026-03')
  const tree = {
    'z-containers.json': 'ingest/trivy-image.json',
    'a/os.nessus': 'nessus/two-hosts.nessus',
    'a.json': 'ingest/grype.json',
    'a/web/code.sarif': 'ingest/code.sarif',
    '.git/objects/asff.json': 'ingest/asff.json',
  }
  for (const [to, from] of Object.entries(tree)) {
    mkdirSync(dirname(join(dir, to)), { recursive: true })
    writeFileSync(join(dir, to), readFileSync(join(fixtures, from)))
  }
  writeFileSync(join(dir, '.DS_Store'), Buffer.from([0, 0, 0, 1]))
  for (const set of [await conmon.readScans(dir), conmon.readScansSync(dir)]) {
    const files = set.context().files
    assert.deepEqual(files.map((f) => relative(dir, f.file).split(sep).join('/')), [
      'a/os.nessus',
      'a/web/code.sarif',
      'a.json',
      'z-containers.json',
    ])
    assert.deepEqual(files.map((f) => f.sourceFormat), ['nessus', 'sarif', 'grype', 'trivy'])
  }
  const empty = tmp()
  mkdirSync(join(empty, '.hidden'))
  await assert.rejects(conmon.readScans(empty), (e) => e instanceof conmon.ConmonError && e.code === 'invalid_value' && /no scan file/.test(e.message))
})

test('readScans from paths, directories and Buffers', async () => {
  const feb = join(sample, '2026-02/os-web-db.nessus')
  const byPath = await conmon.readScans(feb)
  const byDir = await conmon.readScans(join(sample, '2026-02'))
  const byBuf = await conmon.readScans(readFileSync(feb))
  assert.equal(byPath.length, 12)
  assert.equal(byDir.length, 12)
  assert.equal(byBuf.length, 12)
  assert.equal(byPath.hostCount, 4)
  assert.equal(conmon.readScansSync(feb).length, 12)
  const f = byPath.findings()[1]
  assert.equal(f.scanner, 'Nessus')
  assert.equal(f.observedAt, "2026-02-09T14:30:00Z")
  assert.equal(f.asset.assetType, 'os')
  assert.ok(byPath.hosts().every((h) => h.credentialed === true))
})

test('policies', () => {
  assert.deepEqual(conmon.Policy.preset().toObject().rev5SlaDays, { high: 30, moderate: 90, low: 180 })
  assert.equal(conmon.Policy.fromFile(join(sample, 'policy.toml')).toObject().deliverableDayOfMonth, 13)
  assert.equal(conmon.Policy.fromObject({ preset: 'fedramp_rev5', dueSoonDays: 14 }).toObject().dueSoonDays, 14)
  assert.ok('fedramp_vdr_high' in conmon.presets())
  assert.throws(() => conmon.Policy.fromObject({ dueSoonDayz: 1 }), (e) => e instanceof conmon.ConmonError && e.code === 'config_error')
  // A policy given by name or path is told apart by the engine: a mistyped file name is a
  // missing file, not an unknown preset.
  assert.deepEqual(conmon.clocks([], { asOf: '2026-03-13', policy: join(sample, 'policy.toml') }), [])
  assert.throws(
    () => conmon.clocks([], { asOf: '2026-03-13', policy: join(sample, 'policy.tml') }),
    (e) => e instanceof conmon.ConmonError && e.code === 'io_error' && /policy\.tml/.test(e.message),
  )
})

test('reconcile keeps IDs month over month and reports what changed', async () => {
  const feb = await conmon.reconcile(null, await conmon.readScans(join(sample, '2026-02')), {
    asOf: '2026-02-13',
    kev: join(sample, 'kev.json'),
  })
  assert.deepEqual(feb.poam.counts, [5, 0, 0])
  assert.equal(feb.changes.filter((c) => c.kind === 'new').length, 5)
  const mar = await conmon.reconcile(feb.poam, await conmon.readScans(join(sample, '2026-03')), {
    asOf: new Date(Date.UTC(2026, 2, 13)),
    deviations: join(sample, 'deviations.json'),
    kev: join(sample, 'kev.json'),
    policy: join(sample, 'policy.toml'),
    withPlacements: true,
  })
  const items = Object.fromEntries(mar.poam.items().map((i) => [i.poamId, i]))
  assert.equal(items['V-1'].originalDetectionDate, '2026-02-09')
  assert.equal(items['V-4'].sheet, 'closed')
  assert.equal(items['V-3'].riskAdjustment, 'yes')
  assert.deepEqual([...new Set(mar.notObserved.map((n) => n.asset))], ['10.0.1.30'])
  assert.equal(mar.placements.length, (await conmon.readScans(join(sample, '2026-03'))).length)
})

test('POA&M formats round trip and writes are atomic', async () => {
  const poam = (await conmon.reconcile(null, await conmon.readScans(join(sample, '2026-02')), { asOf: '2026-02-13' })).poam
  const dir = tmp()
  for (const ext of ['json', 'xlsx', 'csv']) {
    const file = join(dir, `poam.${ext}`)
    await poam.write(file)
    const back = await conmon.Poam.read(file)
    assert.deepEqual(back.items('open').map((i) => i.poamId), poam.items('open').map((i) => i.poamId))
    if (ext === 'json') assert.deepEqual(back.toObject(), poam.toObject())
    else assert.deepEqual(back.importReport.problems, [])
  }
  poam.writeOscalSync(join(dir, 'oscal.json'))
  const oscal = JSON.parse(readFileSync(join(dir, 'oscal.json'), 'utf8'))
  assert.equal(oscal['plan-of-action-and-milestones']['poam-items'].length, 5)
  // Deadlines (policy oscalDeadline), system-id and import-ssp, as the core writes them.
  const riskOf = (doc, id) => {
    const p = doc['plan-of-action-and-milestones']
    const item = p['poam-items'].find((i) => i.props[0].value === id)
    return p.risks.find((r) => r.uuid === item['related-risks'][0]['risk-uuid'])
  }
  assert.equal(riskOf(oscal, 'V-1').deadline, '2026-03-10T23:59:59Z') // due 2026-03-11
  const options = { policy: { oscalDeadline: 'due_date_midnight' }, fedrampId: 'F1234567890', ssp: 'ssp.xml' }
  const midnight = poam.toOscal(options)
  assert.equal(riskOf(midnight, 'V-1').deadline, '2026-03-11T00:00:00Z')
  const p = midnight['plan-of-action-and-milestones']
  assert.equal(p['system-id'].id, 'F1234567890')
  const ssp = p['back-matter'].resources.find((r) => '#' + r.uuid === p['import-ssp'].href)
  assert.deepEqual(ssp.rlinks, [{ href: 'ssp.xml', 'media-type': 'text/xml' }])
  poam.writeOscalSync(join(dir, 'oscal-midnight.json'), options)
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'oscal-midnight.json'), 'utf8')), midnight)
  assert.throws(() => poam.toOscal({ policy: { oscalDeadline: 'noon' } }), (e) => e.code === 'config_error')
  await assert.rejects(poam.write(join(dir, 'poam.docx')), (e) => e.code === 'unsupported_format')
})

test('clocks, validation, calendar and the monthly job', async () => {
  const feb = await conmon.runMonthly({
    scans: await conmon.readScans(join(sample, '2026-02')),
    asOf: '2026-02-13',
    inventory: join(sample, 'inventory.json'),
    deviations: join(sample, 'deviations.json'),
    kev: join(sample, 'kev.json'),
    policy: join(sample, 'policy.toml'),
  })
  const dir = tmp()
  const written = await feb.write(join(dir, 'feb'))
  for (const f of ['poam.xlsx', 'poam.json', 'poam.csv', 'oscal-poam.json', 'changes.json', 'validation.json', 'report.html', 'history.json']) {
    assert.ok(written.some((w) => w.endsWith(f)), f)
  }
  await feb.write(join(dir, 'feb-ssp'), { fedrampId: 'F1234567890', ssp: '../ssp.json' })
  const withSsp = JSON.parse(readFileSync(join(dir, 'feb-ssp/oscal-poam.json'), 'utf8'))['plan-of-action-and-milestones']
  assert.equal(withSsp['system-id'].id, 'F1234567890')
  assert.deepEqual(withSsp['back-matter'].resources[0].rlinks, [{ href: '../ssp.json', 'media-type': 'application/json' }])
  const mar = await conmon.runMonthly({
    scans: await conmon.readScans(join(sample, '2026-03')),
    previous: await conmon.Poam.read(join(dir, 'feb/poam.json')),
    history: join(dir, 'feb/history.json'),
    asOf: '2026-03-13',
    inventory: join(sample, 'inventory.json'),
    deviations: join(sample, 'deviations.json'),
    kev: join(sample, 'kev.json'),
    significantChanges: join(sample, 'significant-changes.json'),
    policy: join(sample, 'policy.toml'),
  })
  const v = mar.validation
  assert.equal(v.valid, false)
  assert.ok(v.diagnostics.some((d) => d.code === 'inventory.not_credentialed'))
  assert.deepEqual(v.triggers.filter((t) => t.tripped).map((t) => t.code), ['unauthenticated_scans'])
  assert.equal(v.calendar.earliestMeeting, '2026-03-20')
  assert.equal(mar.history.length, 2)
  assert.deepEqual(mar.lateItems().map((c) => c.poamId), ['V-1', 'V-5'])
  assert.match(mar.reportHtml, /Past-due POA&amp;M items/)
  const clocks = Object.fromEntries(conmon.clocks(mar.poam, { asOf: '2026-03-13' }).map((c) => [c.poamId, c]))
  assert.equal(clocks['V-1'].dueDate, '2026-03-11')
  assert.equal(clocks['V-5'].rule, 'kev.earliest')
  // Without explanations: the same clocks, explanation empty.
  const quiet = conmon.clocks(mar.poam, { asOf: '2026-03-13', explain: false })
  assert.deepEqual(quiet.map((c) => c.poamId), Object.keys(clocks))
  for (const c of quiet) {
    assert.ok(clocks[c.poamId].explanation.length > 0)
    assert.deepEqual(c, { ...clocks[c.poamId], explanation: [] })
  }
  const prev = mar.poam.toObject()
  prev.open[0].originalDetectionDate = '2026-01-01'
  const report = conmon.validate(mar.poam, { asOf: '2026-03-13', previous: conmon.Poam.fromObject(prev) })
  assert.ok(report.diagnostics.some((d) => d.code === 'poam.detection_date_changed'))
  const cal = conmon.calendar({ asOf: '2026-03-17', policy: { preset: 'fedramp_rev5', deliverableDayOfMonth: 13 } })
  assert.equal(cal.dueDate, '2026-03-13')
  assert.equal(cal.onTime, false)
})

test('errors carry the core code and location; panics never crash the process', async () => {
  await assert.rejects(conmon.readScans('/nonexistent/scan.nessus'), (e) => e instanceof conmon.ConmonError && e.code === 'io_error')
  await assert.rejects(
    conmon.readScans(Buffer.from("<NessusClientData_v2><Report><ReportHost name='h'>")),
    (e) => e.code === 'parse_error' && e.location.line === 1,
  )
  const dir = tmp()
  const bad = join(dir, 'bad.json')
  writeFileSync(bad, '{"open": [{"poam_id": "V-1", "original_detection_date": "2026-02-30", "original_risk_rating": "high"}]}')
  await assert.rejects(conmon.Poam.read(bad), (e) => e.location.field === 'open[0].original_detection_date')
  assert.throws(() => conmon._panicForTest(), (e) => e instanceof conmon.ConmonError && e.code === 'internal_error')
  assert.ok(existsSync(dir))
})

test("FedRAMP's deviation request form reads as the core reads it, and drives the monthly job", async () => {
  const form = join(root, 'tests/fixtures/deviations/dr-form.xlsx')
  const expected = JSON.parse(readFileSync(join(root, 'tests/fixtures/deviations/dr-form.expected.json'), 'utf8'))
  const got = conmon.readDeviations(form)
  assert.deepEqual(got.map((d) => d.id), ['DR-2026-001', 'DR-2026-002', 'DR-2026-003'])
  assert.deepEqual(conmon._snake(got), expected)
  const dir = tmp()
  const feb = await conmon.runMonthly({ scans: await conmon.readScans(join(sample, '2026-02')), asOf: '2026-02-13', deviations: form })
  await feb.write(join(dir, 'feb'))
  const mar = await conmon.runMonthly({
    scans: await conmon.readScans(join(sample, '2026-03')),
    previous: await conmon.Poam.read(join(dir, 'feb/poam.json')),
    asOf: '2026-03-13',
    deviations: form,
  })
  const items = Object.fromEntries(mar.poam.items().map((i) => [i.poamId, i]))
  assert.equal(items['V-3'].riskAdjustment, 'yes')
  assert.equal(items['V-3'].adjustedRiskRating, 'low')
  assert.equal(items['V-2'].operationalRequirement, 'pending')
})

const eveningScan = (tags) =>
  Buffer.from(
    '<?xml version="1.0" ?>\n<NessusClientData_v2><Report name="tz"><ReportHost name="10.0.0.5"><HostProperties>' +
      `${tags}<tag name="Credentialed_Scan">true</tag></HostProperties>` +
      '<ReportItem port="443" svc_name="www" protocol="tcp" severity="3" pluginID="190854" pluginName="OpenSSL" ' +
      'pluginFamily="General"><risk_factor>High</risk_factor><cvss3_base_score>8.1</cvss3_base_score></ReportItem>' +
      '</ReportHost></Report></NessusClientData_v2>\n',
  )

test("timeZone dates scan instants in the policy's zone, as the core does", async () => {
  // 1770688800 = 2026-02-10T02:00:00Z = 21:00 on 9 February in New York.
  const scans = await conmon.readScans(eveningScan('<tag name="HOST_END_TIMESTAMP">1770688800</tag>'))
  assert.equal(scans.findings()[0].zonelessTimes, undefined)
  const ny = conmon.Policy.fromObject({ preset: 'fedramp_rev5', timeZone: 'America/New_York' })
  assert.equal(ny.toObject().timeZone, 'America/New_York')
  const dates = (r) => r.poam.items().map((i) => [i.originalDetectionDate, i.scheduledCompletionDate])
  assert.deepEqual(dates(await conmon.reconcile(null, scans, { asOf: '2026-02-12' })), [['2026-02-10', '2026-03-12']])
  assert.deepEqual(dates(await conmon.reconcile(null, scans, { asOf: '2026-02-12', policy: ny })), [['2026-02-09', '2026-03-11']])
  // Wall-clock text with no zone keeps its own date.
  const text = await conmon.readScans(eveningScan('<tag name="HOST_END">Tue Feb 10 02:00:00 2026</tag>'))
  assert.equal(text.findings()[0].zonelessTimes, true)
  assert.equal(text.hosts()[0].zonelessTimes, true)
  assert.deepEqual(dates(await conmon.reconcile(null, text, { asOf: '2026-02-12', policy: { timeZone: 'America/New_York' } })), [['2026-02-10', '2026-03-12']])
  assert.throws(
    () => conmon.Policy.fromObject({ timeZone: 'Mars/Olympus' }),
    (e) => e.code === 'config_error' && e.message.includes('`Mars/Olympus` is not a time zone') && e.location.field === 'time_zone',
  )
})

test('lateItems follow the run\'s policy', async () => {
  // The same months and agreement as the core's test (tests/triggers.rs): 7/20/30 days make
  // the Moderate V-2 (due 2026-03-01) and the Low V-3 (due 2026-03-11) late too.
  const dir = tmp()
  const policy = { preset: 'fedramp_rev5', rev5SlaDays: { high: 7, moderate: 20, low: 30 } }
  const common = { deviations: join(sample, 'deviations.json'), kev: join(sample, 'kev.json'), policy }
  const feb = await conmon.runMonthly({ scans: await conmon.readScans(join(sample, '2026-02')), asOf: '2026-02-13', ...common })
  await feb.write(dir)
  const mar = await conmon.runMonthly({
    scans: await conmon.readScans(join(sample, '2026-03')),
    previous: await conmon.Poam.read(join(dir, 'poam.json')),
    history: join(dir, 'history.json'),
    asOf: '2026-03-13',
    ...common,
  })
  const late = mar.lateItems()
  assert.deepEqual(late.map((c) => c.poamId), ['V-1', 'V-2', 'V-3', 'V-5'])
  assert.deepEqual(late.slice(1, 3).map((c) => [c.dueDate, c.daysLate]), [['2026-03-01', 12], ['2026-03-11', 2]])
  assert.ok(late.every((c) => c.explanation.length > 0))
  assert.equal(mar.history.at(-1).lateItems, 4)
  assert.deepEqual(mar.lateItems('fedramp_rev5').map((c) => c.poamId), ['V-1', 'V-5'])
})

test('VDR items without evaluation facts are named, and lateItems says what is missing', async () => {
  const feb = await conmon.runMonthly({ scans: await conmon.readScans(join(sample, '2026-02')), asOf: '2026-02-13', policy: 'fedramp_vdr_high' })
  const named = feb.validation.diagnostics.filter((d) => d.code === 'vdr.facts_missing').map((d) => d.poamId)
  assert.deepEqual(named, feb.poam.items('open').map((i) => i.poamId))
  assert.equal(named.length, 5)
  assert.throws(() => feb.lateItems(), (e) => e instanceof conmon.ConmonError && e.code === 'missing_field' && /vdr/.test(e.message))
})
