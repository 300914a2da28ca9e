package md.ocrotire.demo

import android.content.Context
import android.net.ConnectivityManager
import android.net.NetworkCapabilities
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import java.time.Instant
import java.util.concurrent.TimeUnit
import md.ocrotire.field.Network
import md.ocrotire.field.SyncOutcome
import md.ocrotire.field.SyncPolicy
import md.ocrotire.field.SyncViewModel

/**
 * Background sync: WorkManager wakes the worker whenever there is a
 * network (at least every 15 minutes), and [SyncPolicy] decides whether a
 * session is due. It only runs while the caseload is unlocked: the keys
 * are not kept while the app is locked, by design.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {

    override suspend fun doWork(): Result {
        val app = applicationContext as OcrotireApp
        val prefs = applicationContext.getSharedPreferences("ocrotire-sync", Context.MODE_PRIVATE)
        val sync = SyncViewModel(app.repository)
        val status = runCatching { sync.refresh(); sync.state.value }.getOrNull() ?: return Result.success()
        val history = SyncPolicy.History(
            lastSuccess = status.lastSuccess,
            lastFailure = prefs.getLong(LAST_FAILURE, 0L).takeIf { it > 0 }?.let(Instant::ofEpochMilli),
            failuresInARow = prefs.getInt(FAILURES, 0),
            pendingCases = status.pendingCases,
        )
        if (!SyncPolicy().shouldSync(Instant.now(), network(), history)) return Result.success()
        when (sync.syncNow()) {
            is SyncOutcome.Done -> prefs.edit().putInt(FAILURES, 0).apply()
            else -> prefs.edit()
                .putInt(FAILURES, history.failuresInARow + 1)
                .putLong(LAST_FAILURE, System.currentTimeMillis())
                .apply()
        }
        return Result.success()
    }

    private fun network(): Network {
        val connectivity = applicationContext.getSystemService(ConnectivityManager::class.java)
        val capabilities = connectivity.getNetworkCapabilities(connectivity.activeNetwork) ?: return Network.NONE
        return when {
            !capabilities.hasCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET) -> Network.NONE
            capabilities.hasCapability(NetworkCapabilities.NET_CAPABILITY_NOT_METERED) -> Network.UNMETERED
            else -> Network.METERED
        }
    }

    companion object {
        private const val FAILURES = "failures-in-a-row"
        private const val LAST_FAILURE = "last-failure"

        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(15, TimeUnit.MINUTES)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .build()
            WorkManager.getInstance(context)
                .enqueueUniquePeriodicWork("ocrotire-sync", ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
