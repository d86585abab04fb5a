// A small JSON reader for the tests: values become Map, List, String, Double, Boolean or null,
// so two documents compare structurally (key order and whitespace do not matter).
package conmon.test

class JsonReader(private val s: String) {
    private var i = 0

    fun parse(): Any? {
        val v = value()
        ws()
        check(i == s.length) { "trailing text at $i" }
        return v
    }

    private fun ws() {
        while (i < s.length && s[i].isWhitespace()) i++
    }

    private fun value(): Any? {
        ws()
        check(i < s.length) { "unexpected end" }
        return when (s[i]) {
            '{' -> obj()
            '[' -> arr()
            '"' -> str()
            't' -> lit("true", true)
            'f' -> lit("false", false)
            'n' -> lit("null", null)
            else -> num()
        }
    }

    private fun lit(word: String, v: Any?): Any? {
        check(s.startsWith(word, i)) { "bad literal at $i" }
        i += word.length
        return v
    }

    private fun num(): Double {
        val start = i
        while (i < s.length && (s[i].isDigit() || s[i] in "+-.eE")) i++
        return s.substring(start, i).toDouble()
    }

    private fun str(): String {
        val b = StringBuilder()
        i++
        while (true) {
            val c = s[i++]
            when (c) {
                '"' -> return b.toString()
                '\\' -> {
                    val e = s[i++]
                    when (e) {
                        'n' -> b.append('\n')
                        't' -> b.append('\t')
                        'r' -> b.append('\r')
                        'b' -> b.append('\b')
                        'f' -> b.append('\u000C')
                        'u' -> {
                            b.append(s.substring(i, i + 4).toInt(16).toChar())
                            i += 4
                        }
                        else -> b.append(e)
                    }
                }
                else -> b.append(c)
            }
        }
    }

    private fun arr(): List<Any?> {
        val out = ArrayList<Any?>()
        i++
        ws()
        if (s[i] == ']') { i++; return out }
        while (true) {
            out.add(value())
            ws()
            if (s[i++] == ']') return out
        }
    }

    private fun obj(): Map<String, Any?> {
        val out = LinkedHashMap<String, Any?>()
        i++
        ws()
        if (s[i] == '}') { i++; return out }
        while (true) {
            ws()
            val k = str()
            ws()
            check(s[i++] == ':') { "expected : at $i" }
            out[k] = value()
            ws()
            if (s[i++] == '}') return out
        }
    }
}

fun parseJson(text: String): Any? = JsonReader(text).parse()

/** The first difference between two JSON values, with its path, or null when equal. */
fun jsonDiff(a: Any?, b: Any?, path: String = "$"): String? {
    if (a is Map<*, *> && b is Map<*, *>) {
        for (k in a.keys + b.keys) {
            if (!a.containsKey(k)) return "$path.$k: missing on the left"
            if (!b.containsKey(k)) return "$path.$k: missing on the right"
            jsonDiff(a[k], b[k], "$path.$k")?.let { return it }
        }
        return null
    }
    if (a is List<*> && b is List<*>) {
        if (a.size != b.size) return "$path: ${a.size} elements vs ${b.size}"
        for (n in a.indices) jsonDiff(a[n], b[n], "$path[$n]")?.let { return it }
        return null
    }
    return if (a == b) null else "$path: $a vs $b"
}
