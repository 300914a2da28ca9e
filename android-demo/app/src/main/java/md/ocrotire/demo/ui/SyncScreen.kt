package md.ocrotire.demo.ui

import androidx.compose.material3.Button
import androidx.compose.material3.LinearProgressIndicator
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
import md.ocrotire.field.FieldRepository
import md.ocrotire.field.SyncOutcome
import md.ocrotire.field.SyncViewModel

/** "Sync now", progress, what is pending, the last success, what was refused. */
@Composable
fun SyncScreen(repository: FieldRepository) {
    val model = remember { SyncViewModel(repository) }
    val state by model.state.collectAsState()
    val scope = rememberCoroutineScope()
    var code by remember { mutableStateOf("") }
    LaunchedEffect(Unit) { model.refresh() }

    Screen(stringResource(R.string.sync_title)) {
        if (!state.enrolled) {
            Text(stringResource(R.string.sync_not_enrolled))
            OutlinedTextField(code, { code = it }, label = { Text(stringResource(R.string.enroll_code)) }, singleLine = true)
            OutlinedButton({ scope.launch { model.enroll(code) } }) { Text(stringResource(R.string.enroll)) }
        }
        Button({ scope.launch { model.syncNow() } }, enabled = state.enrolled && !state.running) {
            Text(stringResource(R.string.sync_now))
        }
        if (state.running) {
            LinearProgressIndicator()
            Text(stringResource(R.string.sync_running))
        }
        state.progress?.let {
            Text(stringResource(R.string.sync_progress, it.casesSent.toInt(), it.casesReceived.toInt()))
        }
        Text(stringResource(R.string.sync_pending, state.pendingCases))
        Text(state.lastSuccess?.let { stringResource(R.string.sync_last_success, shortTime(it)) }
            ?: stringResource(R.string.sync_never))
        if (state.openConflicts > 0) Text(stringResource(R.string.conflicts_badge, state.openConflicts))
        if (state.refused.isNotEmpty()) {
            Text(stringResource(R.string.sync_refused), style = MaterialTheme.typography.titleMedium)
            for (refused in state.refused) Text("${refused.caseId.take(8)} · ${refused.reason.name.lowercase()}")
        }
        when (val outcome = state.lastOutcome) {
            is SyncOutcome.Done -> Text(stringResource(R.string.sync_done, outcome.sent, outcome.received))
            SyncOutcome.Offline -> Text(stringResource(R.string.sync_offline))
            is SyncOutcome.ServerError -> Text(stringResource(R.string.sync_server_error, outcome.status.toInt()), color = MaterialTheme.colorScheme.error)
            SyncOutcome.NotEnrolled -> Text(stringResource(R.string.sync_not_enrolled))
            SyncOutcome.Revoked -> Text(stringResource(R.string.sync_revoked), color = MaterialTheme.colorScheme.error)
            is SyncOutcome.Failed -> ErrorLine(outcome.error)
            null -> {}
        }
    }
}
