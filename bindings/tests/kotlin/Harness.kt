// Test equipment shared by the Kotlin programs that drive the bindings on
// a JVM (bindings/tests/kotlin, android-demo's field day): assertions, a
// real ocrotire-server on 127.0.0.1, and a runner that ends with the line
// "N passed, M failed".

import java.io.File
import java.nio.file.Files
import java.security.SecureRandom
import uniffi.ocrotire.*

const val DISTRICT = "9200" // Ungheni
const val PIN = "482916"

class Failure(message: String) : Exception(message)

fun check(condition: Boolean, what: () -> String) {
    if (!condition) throw Failure(what())
}

fun <T> same(actual: T, expected: T, what: String) =
    check(actual == expected) { "$what: expected $expected, got $actual" }

inline fun <reified E : Throwable> throws(what: String, block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw Failure("$what: expected ${E::class.simpleName}, got $e")
    }
    throw Failure("$what: expected ${E::class.simpleName}, nothing was thrown")
}

fun randomBytes(n: Int) = ByteArray(n).also { SecureRandom().nextBytes(it) }

/** A key provider in Kotlin, as the app's Android Keystore one would be. */
class Keystore(private val secret: ByteArray?) : KeyProvider {
    override fun platformSecret(): ByteArray =
        secret ?: throw KeyProviderException.Unavailable("keystore reset")
}

/** One ocrotire-server process on a free port with a SQLite file. */
class Server(dir: File) : AutoCloseable {
    private val binary = System.getenv("OCROTIRE_SERVER_BIN") ?: error("OCROTIRE_SERVER_BIN is not set")
    private val db = File(dir, "server.sqlite3").path
    private val process: Process
    val url: String

    init {
        val builder = ProcessBuilder(binary, "serve", "--db", db, "--listen", "127.0.0.1:0")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
        builder.environment().remove("OCROTIRE_DB")
        builder.environment().remove("OCROTIRE_DATABASE_URL")
        process = builder.start()
        val line = process.inputStream.bufferedReader().readLine() ?: ""
        check(line.contains("listening on")) { "ocrotire-server did not start: $line" }
        url = line.trim().split(" ").last()
    }

    fun admin(vararg args: String): String {
        val builder = ProcessBuilder(listOf(binary, "admin", "--db", db) + args)
        builder.environment().remove("OCROTIRE_DB")
        builder.environment().remove("OCROTIRE_DATABASE_URL")
        val run = builder.start()
        val out = run.inputStream.bufferedReader().readText()
        val err = run.errorStream.bufferedReader().readText()
        check(run.waitFor() == 0) { "admin ${args.toList()} failed: $err" }
        return out.trim()
    }

    fun config() = SyncServer(url = url, rootCertificatePem = null, timeoutSecs = 10u)

    fun enrolled(dir: File, userId: String, role: Role, keys: KeyProvider): Caseload {
        admin("create-user", "--user-id", userId, "--role", role.name.lowercase(), "--district", DISTRICT)
        val code = admin("enroll-code", "--user-id", userId).split(Regex("\\s+")).last()
        val caseload = Caseload.create(File(dir, userId).path, PIN, DeviceUser(userId, role, DISTRICT), keys)
        same(caseload.enroll(config(), code).userId, userId, "enrolled user")
        return caseload
    }

    override fun close() {
        process.destroyForcibly().waitFor()
    }
}

/** Runs each test in its own temporary directory; exits non-zero on failure. */
fun runTests(tests: List<Pair<String, (File) -> Unit>>) {
    var passed = 0
    var failed = 0
    for ((name, test) in tests) {
        val dir = Files.createTempDirectory("ocrotire-kotlin").toFile()
        try {
            test(dir)
            passed++
            println("ok   $name")
        } catch (e: Throwable) {
            failed++
            println("FAIL $name: $e")
            e.printStackTrace()
        } finally {
            dir.deleteRecursively()
        }
    }
    println("$passed passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}
