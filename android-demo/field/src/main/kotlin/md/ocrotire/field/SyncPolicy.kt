package md.ocrotire.field

import java.time.Duration
import java.time.Instant

enum class Network { NONE, METERED, UNMETERED }

/**
 * When the background worker syncs. Work waiting on the device goes out
 * as soon as any network appears: a village may have signal for minutes a
 * day, and "nothing new" costs 16 bytes, so metered data is no reason to
 * wait. Otherwise it checks every [interval]. After failures it backs off,
 * doubling from [firstRetry] up to [longestRetry], so a dead server does
 * not drain a phone's battery.
 */
data class SyncPolicy(
    val interval: Duration = Duration.ofMinutes(30),
    val firstRetry: Duration = Duration.ofMinutes(1),
    val longestRetry: Duration = Duration.ofHours(1),
) {
    data class History(
        val lastSuccess: Instant?,
        val lastFailure: Instant?,
        val failuresInARow: Int,
        val pendingCases: Int,
    )

    /** The earliest moment the next session should start. */
    fun nextAttempt(history: History): Instant {
        val lastFailure = history.lastFailure
        if (history.failuresInARow > 0 && lastFailure != null) {
            val doublings = (history.failuresInARow - 1).coerceAtMost(MAX_DOUBLINGS)
            val wait = firstRetry.multipliedBy(1L shl doublings).coerceAtMost(longestRetry)
            return lastFailure.plus(wait)
        }
        if (history.pendingCases > 0) return Instant.MIN
        return history.lastSuccess?.plus(interval) ?: Instant.MIN
    }

    fun shouldSync(now: Instant, network: Network, history: History): Boolean =
        network != Network.NONE && !now.isBefore(nextAttempt(history))

    private fun Duration.coerceAtMost(limit: Duration): Duration = if (this > limit) limit else this

    private companion object {
        const val MAX_DOUBLINGS = 20
    }
}
