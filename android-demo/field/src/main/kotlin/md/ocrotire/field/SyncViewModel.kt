package md.ocrotire.field

import java.time.Instant
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.ocrotire.OcrotireException
import uniffi.ocrotire.RefusedCase
import uniffi.ocrotire.SyncListener
import uniffi.ocrotire.SyncProgress
import uniffi.ocrotire.SyncReport

/** How the last session ended, in words the sync screen can show. */
sealed interface SyncOutcome {
    data class Done(val sent: Int, val received: Int, val removed: Int) : SyncOutcome
    /** No network or no server: the work stays here, nothing is lost. */
    data object Offline : SyncOutcome
    data class ServerError(val status: UShort) : SyncOutcome
    data object NotEnrolled : SyncOutcome
    /** The district office revoked the device; its data is gone. */
    data object Revoked : SyncOutcome
    data class Failed(val error: OcrotireException) : SyncOutcome
}

data class SyncState(
    val enrolled: Boolean = false,
    val running: Boolean = false,
    val progress: SyncProgress? = null,
    val pendingCases: Int = 0,
    val lastSuccess: Instant? = null,
    val openConflicts: Int = 0,
    /** Cases the server refused; kept here and retried each session. */
    val refused: List<RefusedCase> = emptyList(),
    val lastOutcome: SyncOutcome? = null,
)

/** The sync screen: "Sync now", progress, what is pending, what was refused. */
class SyncViewModel(private val repository: FieldRepository) {
    private val current = MutableStateFlow(SyncState())
    val state: StateFlow<SyncState> = current.asStateFlow()

    suspend fun refresh() {
        val status = repository.read { it.syncStatus() }
        current.value = current.value.copy(
            enrolled = status.enrolled,
            pendingCases = status.pendingCases.toInt(),
            lastSuccess = status.lastSuccess,
            openConflicts = status.openConflicts.toInt(),
            refused = status.refused,
        )
    }

    /** Enrols with the one-time code from the district office. */
    suspend fun enroll(code: String) {
        val outcome = try {
            repository.write { it.enroll(repository.server, code.trim()) }
            null
        } catch (e: OcrotireException) {
            outcome(e)
        }
        current.value = current.value.copy(lastOutcome = outcome)
        refresh()
    }

    suspend fun syncNow(): SyncOutcome {
        current.value = current.value.copy(running = true, progress = null)
        val listener = object : SyncListener {
            override fun onProgress(progress: SyncProgress) {
                current.value = current.value.copy(progress = progress)
            }
        }
        val outcome = try {
            done(repository.write { it.sync(repository.server, listener) })
        } catch (e: OcrotireException) {
            outcome(e)
        }
        current.value = current.value.copy(running = false, lastOutcome = outcome)
        if (outcome != SyncOutcome.Revoked) refresh()
        return outcome
    }

    private fun done(report: SyncReport) = SyncOutcome.Done(
        sent = report.accepted.size,
        received = report.progress.casesReceived.toInt(),
        removed = report.removed.size,
    )

    private fun outcome(e: OcrotireException): SyncOutcome = when (e) {
        is OcrotireException.Network -> SyncOutcome.Offline
        is OcrotireException.Server -> SyncOutcome.ServerError(e.status)
        is OcrotireException.NotEnrolled -> SyncOutcome.NotEnrolled
        is OcrotireException.Revoked -> SyncOutcome.Revoked
        else -> SyncOutcome.Failed(e)
    }
}
