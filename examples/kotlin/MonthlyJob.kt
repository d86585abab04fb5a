// The monthly ConMon job from Kotlin: two months of the bundled sample package, each month
// reading what the previous one wrote, then what is late.
//
//   bash scripts/test-kotlin.sh     # builds target/uniffi/jvm/conmon.jar and runs this example
//   java -cp target/uniffi/jvm/conmon.jar:target/uniffi/test-classes:/usr/share/java/jna.jar:KOTLIN_STDLIB \
//        conmon.examples.MonthlyJobKt examples/data/monthly OUT_DIR
package conmon.examples

import conmon.*
import java.io.File
import java.time.LocalDate

fun main(args: Array<String>) {
    val data = File(args.getOrElse(0) { "examples/data/monthly" })
    val out = File(args.getOrElse(1) { "conmon-kotlin-demo" })
    val policy = Policy.resolve(File(data, "policy.toml").path)
    var previousDir: File? = null
    for ((month, asOf) in listOf("2026-02" to "2026-02-13", "2026-03" to "2026-03-13")) {
        val dir = File(out, month)
        try {
            val result = runMonthly(MonthlyOptions(
                scans = readScans(File(data, month).listFiles()!!.filter { it.name.endsWith(".nessus") }.map { it.path }),
                policy = policy,
                asOf = LocalDate.parse(asOf),
                previous = previousDir?.let { Poam.read(File(it, "poam.json").path) },
                inventoryPath = File(data, "inventory.json").path,
                deviationsPath = File(data, "deviations.json").path,
                kevPath = File(data, "kev.json").path,
                significantChangesPath = File(data, "significant-changes.json").path,
                historyPath = previousDir?.let { File(it, "history.json").path },
            ))
            result.write(dir.path)
            val poam = result.poam()
            val report = result.validation()
            println("$month: ${poam.openCount()} open, ${poam.closedCount()} closed, ${result.changes().size} changes, " +
                "${report.errors} errors, ${report.warnings} warnings -> $dir")
            for (clock in clocks(poam, policy, LocalDate.parse(asOf)).filter { it.state == "late" }) {
                println("  late: ${clock.poamId} due ${clock.dueDate} (${clock.daysLate} days)")
            }
        } catch (e: ConmonException) {
            // Every engine error has a stable code and says where the problem is.
            System.err.println("$month failed: $e")
            throw e
        }
        previousDir = dir
    }
}
