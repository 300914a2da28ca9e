package md.ocrotire.demo.ui

import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.res.stringResource
import java.time.LocalDate
import kotlinx.coroutines.launch
import md.ocrotire.demo.R
import md.ocrotire.field.FieldRepository
import md.ocrotire.field.FollowUpViewModel
import uniffi.ocrotire.FollowUpKind

/** A follow-up visit: kind, day, whether the child was seen, a short summary. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun FollowUpScreen(repository: FieldRepository, caseId: String) {
    val model = remember(caseId) { FollowUpViewModel(repository, caseId) }
    val state by model.state.collectAsState()
    val scope = rememberCoroutineScope()

    Screen(stringResource(R.string.follow_up_title)) {
        FlowRow {
            for ((kind, label) in listOf(
                FollowUpKind.HOME_VISIT to R.string.visit_home,
                FollowUpKind.SCHOOL_VISIT to R.string.visit_school,
                FollowUpKind.PHONE_CALL to R.string.visit_phone,
                FollowUpKind.TEAM_MEETING to R.string.visit_team,
                FollowUpKind.REVIEW to R.string.visit_review,
            )) {
                FilterChip(state.kind == kind, { model.edit { it.copy(kind = kind) } }, label = { Text(stringResource(label)) })
            }
        }
        OutlinedTextField(state.date.toString(), { text ->
            runCatching { LocalDate.parse(text) }.getOrNull()?.let { date -> model.edit { it.copy(date = date) } }
        }, label = { Text(stringResource(R.string.follow_up_date)) }, singleLine = true)
        Row {
            Text(stringResource(R.string.child_seen))
            Switch(state.childSeen, { seen -> model.edit { it.copy(childSeen = seen) } })
        }
        OutlinedTextField(state.summary, { text -> model.edit { it.copy(summary = text) } },
            label = { Text(stringResource(R.string.follow_up_summary)) })
        if (state.dateInFuture) Text(stringResource(R.string.date_in_future), color = MaterialTheme.colorScheme.error)
        if (state.saved) Text(stringResource(R.string.saved))
        ErrorLine(state.error)
        Button({ scope.launch { model.save() } }) { Text(stringResource(R.string.save)) }
    }
}
