package md.ocrotire.demo.ui

import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.foundation.layout.Row
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.launch
import md.ocrotire.demo.R
import md.ocrotire.field.FieldRepository
import md.ocrotire.field.FormProblem
import md.ocrotire.field.NotificationViewModel
import uniffi.ocrotire.ReportingSector
import uniffi.ocrotire.SesacForm
import uniffi.ocrotire.Sex

/**
 * The mediator's short form, made for one thumb: chips instead of menus,
 * one text field for the place and one for the child's own words, and a
 * wide button at the bottom.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun NotificationScreen(repository: FieldRepository, filed: (String) -> Unit) {
    val model = remember { NotificationViewModel(repository) }
    val state by model.state.collectAsState()
    val scope = rememberCoroutineScope()
    val form = state.form

    Screen(stringResource(R.string.notification_title)) {
        Text(stringResource(R.string.field_sex))
        FlowRow {
            for ((sex, label) in listOf(Sex.FEMALE to R.string.sex_female, Sex.MALE to R.string.sex_male, Sex.UNKNOWN to R.string.sex_unknown)) {
                FilterChip(form.sex == sex, { model.edit { it.copy(sex = sex) } }, label = { Text(stringResource(label)) })
            }
        }
        OutlinedTextField(form.locality, { value -> model.edit { it.copy(locality = value) } },
            label = { Text(stringResource(R.string.field_locality)) }, singleLine = true)
        OutlinedTextField(form.approximateAge, { value -> model.edit { it.copy(approximateAge = value) } },
            label = { Text(stringResource(R.string.field_age)) }, singleLine = true,
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number))
        Text(stringResource(R.string.field_reporter))
        FlowRow {
            for (sector in ReportingSector.entries) {
                FilterChip(form.reporterSector == sector, { model.edit { it.copy(reporterSector = sector) } },
                    label = { Text(sector.name.lowercase().replace('_', ' ')) })
            }
        }
        Text(stringResource(R.string.field_forms))
        FlowRow {
            for (seen in SesacForm.entries) {
                FilterChip(seen in form.forms, {
                    model.edit { it.copy(forms = if (seen in it.forms) it.forms - seen else it.forms + seen) }
                }, label = { Text(seen.name.lowercase().replace('_', ' ')) })
            }
        }
        Row {
            Text(stringResource(R.string.field_crime))
            Switch(form.crimeSuspected, { on -> model.edit { it.copy(crimeSuspected = on) } })
        }
        OutlinedTextField(form.childWords, { value -> model.edit { it.copy(childWords = value) } },
            label = { Text(stringResource(R.string.field_child_words)) },
            supportingText = { Text(stringResource(R.string.child_words_hint)) })
        for (problem in state.problems) {
            Text(stringResource(problemText(problem)), color = MaterialTheme.colorScheme.error)
        }
        ErrorLine(state.error)
        Button(
            onClick = { scope.launch { model.submit()?.let(filed) } },
            modifier = Modifier.fillMaxWidth().height(56.dp),
        ) { Text(stringResource(R.string.submit_notification)) }
    }
}

private fun problemText(problem: FormProblem) = when (problem) {
    FormProblem.SEX_MISSING -> R.string.problem_sex
    FormProblem.LOCALITY_MISSING -> R.string.problem_locality
    FormProblem.AGE_INVALID -> R.string.problem_age
    FormProblem.REPORTER_MISSING -> R.string.problem_reporter
    FormProblem.FORM_MISSING -> R.string.problem_form
}
