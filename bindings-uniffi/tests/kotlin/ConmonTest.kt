// Kotlin tests of the uniffi bindings, run on the JVM by scripts/test-kotlin.sh:
//   java -cp conmon.jar:conmon-test.jar:jna.jar:kotlin-stdlib.jar conmon.test.ConmonTestKt REPO_ROOT
// Parity: the shared fixtures in tests/fixtures give exactly the expected JSON the Rust, Python
// and Node tests check. Exits 1 when any test fails.
package conmon.test

import conmon.*
import java.io.File
import java.nio.file.Files
import java.time.Instant
import java.time.LocalDate
import kotlin.system.exitProcess

private var failures = 0
private var passed = 0

private fun test(name: String, body: () -> Unit) {
    try {
        body()
        passed++
        println("ok   $name")
    } catch (e: Throwable) {
        failures++
        println("FAIL $name: $e")
        e.printStackTrace(System.out)
    }
}

private fun expect(cond: Boolean, what: () -> String) {
    if (!cond) throw AssertionError(what())
}

private fun expectJson(actual: Any?, expected: Any?, what: String) {
    jsonDiff(actual, expected)?.let { throw AssertionError("$what: $it") }
}

private inline fun <reified E : Throwable> expectThrows(body: () -> Unit): E {
    try {
        body()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName}, got $e")
    }
    throw AssertionError("expected ${E::class.simpleName}, nothing was thrown")
}

fun main(args: Array<String>) {
    val root = File(if (args.isNotEmpty()) args[0] else ".").canonicalFile
    val fixtures = File(root, "tests/fixtures")
    val sample = File(root, "examples/data/monthly")
    fun read(f: File) = f.readText()

    test("module facts") {
        expect(engineVersion().isNotEmpty()) { "no version" }
        expect("parse_error" in errorCodes() && "limit_exceeded" in errorCodes()) { "codes: ${errorCodes()}" }
    }

    test("clock cases: JSON parity and typed records") {
        @Suppress("UNCHECKED_CAST")
        val cases = parseJson(read(File(fixtures, "clock/cases.json"))) as List<Map<String, Any?>>
        expect(cases.size >= 4) { "only ${cases.size} cases" }
        for (case in cases) {
            val name = case["name"] as String
            val spec = case["policy"] as String
            val asOf = case["as_of"] as String
            val policy = Policy.resolve(if (spec.endsWith(".toml") || spec.endsWith(".json")) File(fixtures, "clock/$spec").path else spec)
            val poam = Poam.fromJson(read(File(fixtures, "clock/${case["input"]}")))
            val expected = parseJson(read(File(fixtures, "clock/${case["expected"]}")))
            expectJson(parseJson(clocksJson(poam, policy, asOf)), expected, name)
            // The typed records carry the same facts.
            val typed = if (asOf.length == 10) clocks(poam, policy, LocalDate.parse(asOf)) else clocksAt(poam, policy, Instant.parse(asOf))
            @Suppress("UNCHECKED_CAST")
            val exp = expected as List<Map<String, Any?>>
            expect(typed.size == exp.size) { "$name: ${typed.size} clocks vs ${exp.size}" }
            for ((c, e) in typed.zip(exp)) {
                expect(c.poamId == e["poam_id"]) { "$name: ${c.poamId} vs ${e["poam_id"]}" }
                expect(c.state == e["state"]) { "$name ${c.poamId}: state ${c.state} vs ${e["state"]}" }
                expect(c.dueDate?.toString() == e["due_date"]) { "$name ${c.poamId}: due ${c.dueDate} vs ${e["due_date"]}" }
                expect(c.daysLate.toDouble() == e["days_late"]) { "$name ${c.poamId}: days late ${c.daysLate}" }
                expect(c.explanation.map { it.rule } == (e["explanation"] as List<*>).map { (it as Map<*, *>)["rule"] }) {
                    "$name ${c.poamId}: explanation differs"
                }
                if (e["due_at"] != null) {
                    expect(c.dueAt == Instant.parse(e["due_at"] as String)) { "$name ${c.poamId}: due at ${c.dueAt} vs ${e["due_at"]}" }
                }
            }
            // explain = false: the same clocks with an empty explanation, typed and as JSON.
            val bare = if (asOf.length == 10) {
                clocks(poam, policy, LocalDate.parse(asOf), explain = false)
            } else {
                clocksAt(poam, policy, Instant.parse(asOf), explain = false)
            }
            expect(typed.any { it.explanation.isNotEmpty() }) { "$name: no clock has an explanation to drop" }
            expect(bare == typed.map { it.copy(explanation = emptyList()) }) { "$name: explain = false changed more than the explanation" }
            val bareJson = parseJson(clocksJson(poam, policy, asOf, explain = false))
            val strippedExpected = exp.map { it + ("explanation" to emptyList<Any?>()) }
            expectJson(bareJson, strippedExpected, "$name (explain = false)")
        }
    }

    test("monthly sample: reconcile month over month gives the shared expected JSON") {
        val policy = Policy.resolve(File(sample, "policy.toml").path)
        var previous: Poam? = null
        for ((month, asOf) in listOf("2026-02" to "2026-02-13", "2026-03" to "2026-03-13")) {
            val scans = readScans(listOf(File(sample, "$month/os-web-db.nessus").path))
            val r = reconcile(
                previous, scans, policy, LocalDate.parse(asOf),
                deviationsPath = File(sample, "deviations.json").path,
                kevPath = File(sample, "kev.json").path,
            )
            val log = parseJson(r.changesJson()) as Map<*, *>
            val actual = mapOf(
                "poam" to parseJson(r.poam().toJson()),
                "changes" to log["changes"],
                "not_observed" to log["not_observed"],
            )
            val expected = parseJson(read(File(fixtures, "monthly/$month.expected.json"))) as Map<*, *>
            expectJson(actual, expected, month)
            val expChanges = expected["changes"] as List<*>
            val typed = r.changes()
            expect(typed.map { it.poamId to it.kind } == expChanges.map { (it as Map<*, *>).let { c -> c["poam_id"] to c["kind"] } }) {
                "$month: typed changes differ"
            }
            val expOpen = ((expected["poam"] as Map<*, *>)["open"] as List<*>).map { (it as Map<*, *>)["poam_id"] }
            expect(r.poam().items().filter { it.sheet == "open" }.map { it.poamId } == expOpen) { "$month: open items differ" }
            expect(r.poam().poamDate() == LocalDate.parse(asOf)) { "$month: POA&M date ${r.poam().poamDate()}" }
            previous = r.poam()
        }
    }

    test("FedRAMP's deviation request form drives reconcile as in Rust, Python and Node") {
        val policy = Policy.resolve(File(sample, "policy.toml").path)
        val form = File(fixtures, "deviations/dr-form.xlsx").path
        var previous: Poam? = null
        for ((month, asOf) in listOf("2026-02" to "2026-02-13", "2026-03" to "2026-03-13")) {
            val scans = readScans(listOf(File(sample, "$month/os-web-db.nessus").path))
            previous = reconcile(previous, scans, policy, LocalDate.parse(asOf), deviationsPath = form).poam()
        }
        val open = (parseJson(previous!!.toJson()) as Map<*, *>)["open"] as List<*>
        val v3 = open.map { it as Map<*, *> }.single { it["poam_id"] == "V-3" }
        expect(v3["risk_adjustment"] == "yes" && v3["adjusted_risk_rating"] == "low") { "V-3: $v3" }
    }

    test("monthly job: deliverables, validation report, meeting report") {
        val out = Files.createTempDirectory("conmon-kt").toFile()
        try {
            val policy = Policy.resolve(File(sample, "policy.toml").path)
            val feb = runMonthly(MonthlyOptions(
                scans = readScans(listOf(File(sample, "2026-02/os-web-db.nessus").path)),
                policy = policy,
                asOf = LocalDate.parse("2026-02-13"),
                inventoryPath = File(sample, "inventory.json").path,
                deviationsPath = File(sample, "deviations.json").path,
                kevPath = File(sample, "kev.json").path,
                significantChangesPath = File(sample, "significant-changes.json").path,
            ))
            val written = feb.write(File(out, "2026-02").path).map { File(it).name }.toSet()
            for (f in listOf("poam.xlsx", "poam.json", "poam.csv", "oscal-poam.json", "changes.json", "validation.json", "report.html", "history.json")) {
                expect(f in written && File(out, "2026-02/$f").length() > 0) { "missing $f in $written" }
            }
            // Next month reads what this month wrote, as the CLI does.
            val mar = runMonthly(MonthlyOptions(
                scans = readScans(listOf(File(sample, "2026-03/os-web-db.nessus").path)),
                policy = policy,
                asOf = LocalDate.parse("2026-03-13"),
                previous = Poam.read(File(out, "2026-02/poam.json").path),
                inventoryPath = File(sample, "inventory.json").path,
                deviationsPath = File(sample, "deviations.json").path,
                kevPath = File(sample, "kev.json").path,
                historyPath = File(out, "2026-02/history.json").path,
            ))
            val expected = parseJson(read(File(fixtures, "monthly/2026-03.expected.json"))) as Map<*, *>
            expectJson(parseJson(mar.poam().toJson()), expected["poam"], "March POA&M from the written February")
            val v = mar.validation()
            val vj = parseJson(v.json) as Map<*, *>
            expect(v.errors.toDouble() == vj["errors"] && v.warnings.toDouble() == vj["warnings"] && v.valid == vj["valid"]) { "report counts" }
            expect(v.diagnostics.size == (vj["diagnostics"] as List<*>).size) { "diagnostics count" }
            expect(v.diagnostics.map { it.code } == (vj["diagnostics"] as List<*>).map { (it as Map<*, *>)["code"] }) { "diagnostic codes" }
            expect((vj["calendar"] as Map<*, *>).isNotEmpty()) { "no calendar" }
            expect((parseJson(mar.historyJson()) as List<*>).size == 2) { "history should hold February and March" }
            expect(mar.reportHtml().contains("<html") && !mar.reportHtml().contains("http://")) { "report is not self-contained HTML" }
        } finally {
            out.deleteRecursively()
        }
    }

    test("validation: a tampered POA&M gives diagnostics with code and location") {
        val policy = Policy.resolve("fedramp_rev5")
        val poam = Poam.fromJson(read(File(fixtures, "clock/rev5-poam.json")))
        val asOf = LocalDate.parse("2026-03-13")
        val clean = validate(poam, policy, asOf)
        // Changing last month's original detection date is a month-over-month violation.
        val doc = poam.toJson()
        val firstDate = Regex("\"original_detection_date\":\"(\\d{4}-\\d{2}-\\d{2})\"").find(doc)!!.groupValues[1]
        val previous = Poam.fromJson(doc.replaceFirst("\"original_detection_date\":\"$firstDate\"", "\"original_detection_date\":\"2020-01-01\""))
        val report = validate(poam, policy, asOf, previous = previous)
        val extra = report.diagnostics.map { it.code } - clean.diagnostics.map { it.code }.toSet()
        expect(extra.isNotEmpty()) { "no month-over-month diagnostic: ${report.diagnostics.map { it.code }}" }
        val d = report.diagnostics.first { it.code in extra }
        expect(d.poamId != null && d.message.isNotEmpty() && d.rule.isNotEmpty()) { "diagnostic without item or message: $d" }
    }

    test("workbook, CSV and OSCAL writers round-trip through the engine") {
        val dir = Files.createTempDirectory("conmon-kt-io").toFile()
        try {
            val poam = reconcile(
                null, readScans(listOf(File(sample, "2026-02/os-web-db.nessus").path)),
                Policy.resolve(File(sample, "policy.toml").path), LocalDate.parse("2026-02-13"),
                deviationsPath = File(sample, "deviations.json").path, kevPath = File(sample, "kev.json").path,
            ).poam()
            expect(poam.openCount() > 0uL) { "nothing to write" }
            for (ext in listOf("xlsx", "csv", "json")) {
                val f = File(dir, "poam.$ext")
                poam.write(f.path)
                val back = Poam.read(f.path)
                expect(back.items() == poam.items()) { "$ext round trip changed the items" }
            }
            poam.writeOscal(File(dir, "oscal.json").path)
            val oscal = parseJson(File(dir, "oscal.json").readText()) as Map<*, *>
            expect(oscal.containsKey("plan-of-action-and-milestones")) { "not an OSCAL POA&M: ${oscal.keys}" }
            expectJson(oscal, parseJson(poam.oscalJson()), "OSCAL file vs oscalJson()")
            // Deadlines (policy `oscal_deadline`), system-id and import-ssp, as the core writes them.
            fun deadlineOf(doc: Map<*, *>, poamId: String): Any? {
                val p = doc["plan-of-action-and-milestones"] as Map<*, *>
                val item = (p["poam-items"] as List<*>).map { it as Map<*, *> }
                    .first { ((it["props"] as List<*>)[0] as Map<*, *>)["value"] == poamId }
                val riskUuid = ((item["related-risks"] as List<*>)[0] as Map<*, *>)["risk-uuid"]
                return (p["risks"] as List<*>).map { it as Map<*, *> }.first { it["uuid"] == riskUuid }["deadline"]
            }
            expect(deadlineOf(oscal, "V-1") == "2026-03-10T23:59:59Z") { "default deadline: ${deadlineOf(oscal, "V-1")}" }
            val settings = OscalSettings(
                policy = Policy.fromJson("{\"oscal_deadline\": \"due_date_midnight\"}"),
                fedrampId = "F1234567890", ssp = "ssp.xml",
            )
            val midnight = parseJson(poam.oscalJson(settings)) as Map<*, *>
            expect(deadlineOf(midnight, "V-1") == "2026-03-11T00:00:00Z") { "midnight deadline: ${deadlineOf(midnight, "V-1")}" }
            val plan = midnight["plan-of-action-and-milestones"] as Map<*, *>
            expect((plan["system-id"] as Map<*, *>)["id"] == "F1234567890") { "system-id: ${plan["system-id"]}" }
            val href = (plan["import-ssp"] as Map<*, *>)["href"]
            val ssp = ((plan["back-matter"] as Map<*, *>)["resources"] as List<*>).map { it as Map<*, *> }.first { "#" + it["uuid"] == href }
            expect(ssp["rlinks"] == listOf(mapOf("href" to "ssp.xml", "media-type" to "text/xml"))) { "SSP link: ${ssp["rlinks"]}" }
            poam.writeOscal(File(dir, "oscal-midnight.json").path, settings)
            expectJson(parseJson(File(dir, "oscal-midnight.json").readText()), midnight, "OSCAL file with settings vs oscalJson(settings)")
            val bad = expectThrows<ConmonException.UnsupportedFormat> { poam.write(File(dir, "poam.txt").path) }
            expect(bad.code == "unsupported_format") { bad.code }
        } finally {
            dir.deleteRecursively()
        }
    }

    test("MonthlyResult.lateItems follow the run's policy") {
        // The same months and agreement as the core's test (tests/triggers.rs): 7/20/30 days make
        // the Moderate V-2 (due 2026-03-01) and the Low V-3 (due 2026-03-11) late too.
        val out = Files.createTempDirectory("conmon-kt-late").toFile()
        try {
            val strict = Policy.fromJson("""{"preset": "fedramp_rev5", "rev5_sla_days": {"high": 7, "moderate": 20, "low": 30}}""")
            fun month(dir: String, asOf: String, previous: Poam?, history: String?) = runMonthly(MonthlyOptions(
                scans = readScans(listOf(File(sample, dir).path)),
                policy = strict,
                asOf = LocalDate.parse(asOf),
                previous = previous,
                deviationsPath = File(sample, "deviations.json").path,
                kevPath = File(sample, "kev.json").path,
                historyPath = history,
            ))
            month("2026-02", "2026-02-13", null, null).write(out.path)
            val mar = month("2026-03", "2026-03-13", Poam.read(File(out, "poam.json").path), File(out, "history.json").path)
            val late = mar.lateItems()
            expect(late.map { it.poamId } == listOf("V-1", "V-2", "V-3", "V-5")) { "late: ${late.map { it.poamId }}" }
            expect(late[1].dueDate == LocalDate.parse("2026-03-01") && late[1].daysLate == 12L) { "V-2: ${late[1]}" }
            expect(late[2].dueDate == LocalDate.parse("2026-03-11") && late[2].daysLate == 2L) { "V-3: ${late[2]}" }
            expect(late.all { it.explanation.isNotEmpty() }) { "no explanation" }
            val rev5 = mar.lateItems(Policy.resolve("fedramp_rev5")).map { it.poamId }
            expect(rev5 == listOf("V-1", "V-5")) { "under Rev5: $rev5" }
        } finally {
            out.deleteRecursively()
        }
    }

    test("readScans walks directories in the core's order") {
        // The same tree and order as the core's test (tests/ingest_formats.rs): recursive, hidden
        // entries skipped, sorted by path component by component (`a/...` before `a.json`).
        val dir = Files.createTempDirectory("conmon-kt-scans").toFile()
        try {
            val tree = mapOf(
                "z-containers.json" to "ingest/trivy-image.json",
                "a/os.nessus" to "nessus/two-hosts.nessus",
                "a.json" to "ingest/grype.json",
                "a/web/code.sarif" to "ingest/code.sarif",
                ".git/objects/asff.json" to "ingest/asff.json",
            )
            for ((to, from) in tree) File(fixtures, from).copyTo(File(dir, to))
            File(dir, ".DS_Store").writeBytes(byteArrayOf(0, 0, 0, 1))
            @Suppress("UNCHECKED_CAST")
            val files = (parseJson(readScans(listOf(dir.path)).contextJson()) as Map<String, Any?>)["files"] as List<Map<String, Any?>>
            val names = files.map { File(it["file"] as String).relativeTo(dir).invariantSeparatorsPath }
            expect(names == listOf("a/os.nessus", "a/web/code.sarif", "a.json", "z-containers.json")) { "order: $names" }
            expect(files.map { it["source_format"] } == listOf("nessus", "sarif", "grype", "trivy")) { "formats: $files" }
            File(dir, "empty/.hidden").mkdirs()
            val empty = expectThrows<ConmonException.InvalidValue> { readScans(listOf(File(dir, "empty").path)) }
            expect(empty.reason.contains("no scan file")) { "$empty" }
        } finally {
            dir.deleteRecursively()
        }
    }

    test("errors carry the stable code and the location") {
        val missing = expectThrows<ConmonException.Io> { readScans(listOf("/nonexistent/scan.nessus")) }
        expect(missing.code == "io_error" && missing.location.file == "/nonexistent/scan.nessus") { "$missing" }
        val parse = expectThrows<ConmonException.Parse> {
            readScanBytes("<?xml version=\"1.0\"?>\n<NessusClientData_v2>\n<Report name=\"x\">\n<ReportHost name=\"h\"><HostProperties>".toByteArray(), "broken.nessus")
        }
        expect(parse.code == "parse_error" && parse.location.file == "broken.nessus") { "$parse" }
        val config = expectThrows<ConmonException.Config> { Policy.resolve("no-such-preset") }
        expect(config.code == "config_error") { "$config" }
        val json = expectThrows<ConmonException> { Poam.fromJson("{\"open\": [ {\"poam_id\": 12} ]}") }
        expect(json is ConmonException.Parse || json is ConmonException.InvalidValue) { "$json" }
        expect((json.message ?: "").contains("<poam>")) { "no file label in ${json.message}" }
    }

    test("hostile inputs (tests/fixtures/hostile) fail with the core's code and location") {
        val hostile = File(root, "tests/fixtures/hostile")
        @Suppress("UNCHECKED_CAST")
        val cases = parseJson(read(File(hostile, "cases.json"))) as List<Map<String, Any?>>
        expect(cases.size >= 15) { "only ${cases.size} cases" }
        for (case in cases) {
            val path = File(hostile, case["file"] as String).path
            val start = System.nanoTime()
            val e = expectThrows<ConmonException> {
                when (case["reader"]) {
                    "scan" -> readScans(listOf(path))
                    "poam" -> Poam.read(path)
                    "policy" -> Policy.resolve(path)
                    else -> throw AssertionError("unknown reader ${case["reader"]}")
                }
            }
            val (code, reason, location) = when (e) {
                is ConmonException.Io -> Triple(e.code, e.reason, e.location)
                is ConmonException.Parse -> Triple(e.code, e.reason, e.location)
                is ConmonException.InvalidValue -> Triple(e.code, e.reason, e.location)
                is ConmonException.MissingField -> Triple(e.code, e.reason, e.location)
                is ConmonException.Config -> Triple(e.code, e.reason, e.location)
                is ConmonException.UnsupportedFormat -> Triple(e.code, e.reason, e.location)
                is ConmonException.LimitExceeded -> Triple(e.code, e.reason, e.location)
                is ConmonException.Internal -> Triple(e.code, e.reason, e.location)
            }
            val name = case["file"]
            expect(code == case["code"]) { "$name: $code, expected ${case["code"]}: $reason" }
            expect(reason.contains(case["contains"] as String)) { "$name: `$reason` does not say `${case["contains"]}`" }
            expect(location.file == path) { "$name: location $location" }
            expect(location.line != null || location.row != null || location.field != null) { "$name: no position" }
            expect((System.nanoTime() - start) / 1_000_000_000.0 < 5) { "$name: too slow" }
        }
    }

    test("a panic in Rust becomes ConmonException.Internal and the JVM goes on") {
        val e = expectThrows<ConmonException.Internal> { internalPanicForTest() }
        expect(e.code == "internal_error") { e.code }
        expect(engineVersion().isNotEmpty()) { "library unusable after a panic" }
    }

    println("\n$passed passed, $failures failed")
    if (failures > 0) exitProcess(1)
}
