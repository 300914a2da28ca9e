package md.ocrotire.field

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.ocrotire.Labels

/** The app's languages; Romanian first, as in the field. */
enum class Language(val code: String) {
    RO("ro"),
    RU("ru"),
    EN("en"),
    ;

    companion object {
        fun of(code: String?): Language = entries.firstOrNull { it.code == code } ?: RO
    }
}

/** Where settings persist: SharedPreferences on Android, memory in tests. */
interface SettingsStore {
    fun get(key: String): String?
    fun put(key: String, value: String)
}

class InMemorySettings : SettingsStore {
    private val values = mutableMapOf<String, String>()
    override fun get(key: String) = values[key]
    override fun put(key: String, value: String) {
        values[key] = value
    }
}

/** The settings screen: the language of the app and of template labels. */
class SettingsViewModel(private val store: SettingsStore) {
    private val current = MutableStateFlow(Language.of(store.get(LANGUAGE)))
    val language: StateFlow<Language> = current.asStateFlow()

    fun choose(language: Language) {
        store.put(LANGUAGE, language.code)
        current.value = language
    }

    private companion object {
        const val LANGUAGE = "language"
    }
}

/** The label in [language]; reference data carries all three. */
fun Labels.pick(language: Language): String = when (language) {
    Language.RO -> ro
    Language.RU -> ru
    Language.EN -> en
}
