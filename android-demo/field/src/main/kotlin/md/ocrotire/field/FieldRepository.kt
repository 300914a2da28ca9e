package md.ocrotire.field

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.withContext
import uniffi.ocrotire.Caseload
import uniffi.ocrotire.DeviceUser
import uniffi.ocrotire.KeyProvider
import uniffi.ocrotire.OcrotireException
import uniffi.ocrotire.SyncServer
import uniffi.ocrotire.caseloadExists

/**
 * The one way the app reaches the caseload. Every call runs on [io]: even
 * the quick ones touch the disk, and unlock and sync take seconds. View
 * models watch [revision] to reload after any change, whichever screen
 * (or the background sync) made it.
 */
class FieldRepository(
    private val dir: String,
    private val keys: KeyProvider,
    val server: SyncServer,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    @Volatile private var caseload: Caseload? = null
    private val changes = MutableStateFlow(0L)
    private val open = MutableStateFlow(false)

    /** Bumped after every change to the caseload. */
    val revision: StateFlow<Long> = changes.asStateFlow()

    /** Whether the keys are in memory; false again after [lock]. */
    val unlocked: StateFlow<Boolean> = open.asStateFlow()

    fun exists(): Boolean = caseloadExists(dir)

    suspend fun create(pin: String, user: DeviceUser) = withContext(io) {
        caseload = Caseload.create(dir, pin, user, keys)
        open.value = true
        changes.value++
    }

    suspend fun unlock(pin: String) = withContext(io) {
        val opened = caseload ?: Caseload.open(dir, keys)
        opened.unlock(pin)
        caseload = opened
        open.value = true
        changes.value++
    }

    fun lock() {
        caseload?.lock()
        open.value = false
    }

    /** Runs a read on the caseload. Throws `Locked` before unlock. */
    suspend fun <T> read(block: (Caseload) -> T): T = withContext(io) { block(current()) }

    /** Runs a change on the caseload and tells every watcher. */
    suspend fun <T> write(block: (Caseload) -> T): T = withContext(io) {
        try {
            block(current())
        } finally {
            changes.value++
        }
    }

    private fun current(): Caseload = caseload ?: throw OcrotireException.Locked()
}
