package md.ocrotire.demo.ui

import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.res.stringResource
import kotlinx.coroutines.launch
import md.ocrotire.demo.R
import md.ocrotire.field.AssessmentViewModel
import md.ocrotire.field.FieldRepository
import md.ocrotire.field.SettingsViewModel
import uniffi.ocrotire.ItemKind
import uniffi.ocrotire.RiskLevel

/** The wizard: one section per step, the live level and why, override, complete. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun AssessmentScreen(repository: FieldRepository, caseId: String, settings: SettingsViewModel) {
    val model = remember(caseId) { AssessmentViewModel(repository, caseId, settings.language) }
    val state by model.state.collectAsState()
    val language by settings.language.collectAsState()
    val scope = rememberCoroutineScope()
    var overrideTo by remember { mutableStateOf<RiskLevel?>(null) }
    var reason by remember { mutableStateOf("") }
    LaunchedEffect(caseId) { model.open() }
    LaunchedEffect(language) { model.relabel() }

    Screen(stringResource(R.string.assessment_title)) {
        Text(stringResource(stepTitle(state.steps.getOrNull(state.step))), style = MaterialTheme.typography.titleMedium)
        for (question in state.questions) {
            Card {
                Text(question.label)
                Row {
                    FilterChip(question.answer == true, { scope.launch { model.answer(question.id, true) } },
                        enabled = !state.completed, label = { Text(stringResource(R.string.answer_yes)) })
                    FilterChip(question.answer == false, { scope.launch { model.answer(question.id, false) } },
                        enabled = !state.completed, label = { Text(stringResource(R.string.answer_no)) })
                }
            }
        }
        Row {
            OutlinedButton({ model.back() }, enabled = state.step > 0) { Text(stringResource(R.string.back)) }
            OutlinedButton({ model.next() }, enabled = state.step < state.steps.size - 1) { Text(stringResource(R.string.next)) }
        }
        state.score?.let { Text(stringResource(R.string.live_score, it)) }
        Text(riskLabel(state.level), color = riskColor(state.level), style = MaterialTheme.typography.titleLarge)
        state.explanation?.let {
            Text(stringResource(R.string.explanation), style = MaterialTheme.typography.labelLarge)
            Text(it)
        }
        if (state.overrideNeedsApproval) Text(stringResource(R.string.override_needs_approval))
        if (!state.completed) {
            Text(stringResource(R.string.override), style = MaterialTheme.typography.titleMedium)
            FlowRow {
                for (level in RiskLevel.entries) {
                    FilterChip(overrideTo == level, { overrideTo = level }, label = { Text(riskLabel(level)) })
                }
            }
            OutlinedTextField(reason, { reason = it }, label = { Text(stringResource(R.string.override_reason)) })
            if (state.overrideProblem) Text(stringResource(R.string.override_reason_missing), color = MaterialTheme.colorScheme.error)
            OutlinedButton({ overrideTo?.let { level -> scope.launch { model.override(level, reason) } } }) {
                Text(stringResource(R.string.override))
            }
            Button({ scope.launch { model.complete() } }) { Text(stringResource(R.string.complete_assessment)) }
        } else {
            Text(stringResource(R.string.assessment_completed))
        }
        ErrorLine(state.error)
    }
}

private fun stepTitle(kind: ItemKind?) = when (kind) {
    ItemKind.IMMINENT, null -> R.string.step_imminent
    ItemKind.FLOOR -> R.string.step_floor
    ItemKind.RISK -> R.string.step_risk
    ItemKind.PROTECTIVE -> R.string.step_protective
}
