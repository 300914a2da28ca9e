package md.ocrotire.demo

import android.app.Application
import android.content.Context
import android.content.SharedPreferences
import java.io.File
import md.ocrotire.field.FieldRepository
import md.ocrotire.field.SettingsStore
import md.ocrotire.field.SettingsViewModel
import uniffi.ocrotire.SyncServer

/** The objects that live as long as the app: one repository, one settings. */
class OcrotireApp : Application() {
    lateinit var repository: FieldRepository
        private set
    lateinit var settings: SettingsViewModel
        private set

    override fun onCreate() {
        super.onCreate()
        val prefs = getSharedPreferences("ocrotire", Context.MODE_PRIVATE)
        repository = FieldRepository(
            dir = File(noBackupFilesDir, "caseload").path,
            keys = AndroidKeystoreProvider(prefs),
            server = SyncServer(url = BuildConfig.SYNC_URL, rootCertificatePem = null, timeoutSecs = 30u),
        )
        settings = SettingsViewModel(PreferenceSettings(prefs))
        SyncWorker.schedule(this)
    }
}

class PreferenceSettings(private val prefs: SharedPreferences) : SettingsStore {
    override fun get(key: String): String? = prefs.getString(key, null)
    override fun put(key: String, value: String) {
        prefs.edit().putString(key, value).apply()
    }
}
