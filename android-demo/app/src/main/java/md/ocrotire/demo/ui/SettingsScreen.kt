package md.ocrotire.demo.ui

import androidx.appcompat.app.AppCompatDelegate
import androidx.compose.material3.FilterChip
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.res.stringResource
import androidx.core.os.LocaleListCompat
import md.ocrotire.demo.R
import md.ocrotire.field.Language
import md.ocrotire.field.SettingsViewModel

/** The language of the app (its resources) and of the template's questions. */
@Composable
fun SettingsScreen(settings: SettingsViewModel) {
    val language by settings.language.collectAsState()
    Screen(stringResource(R.string.settings_title)) {
        Text(stringResource(R.string.language))
        for ((choice, label) in listOf(Language.RO to R.string.language_ro, Language.RU to R.string.language_ru, Language.EN to R.string.language_en)) {
            FilterChip(language == choice, {
                settings.choose(choice)
                AppCompatDelegate.setApplicationLocales(LocaleListCompat.forLanguageTags(choice.code))
            }, label = { Text(stringResource(label)) })
        }
    }
}
