package md.ocrotire.demo.ui

import androidx.compose.material3.Card
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
import md.ocrotire.field.ConflictsViewModel
import md.ocrotire.field.FieldRepository

/** Every value written while apart, who wrote it, and a decision with a reason. */
@Composable
fun ConflictsScreen(repository: FieldRepository) {
    val model = remember { ConflictsViewModel(repository) }
    val state by model.state.collectAsState()
    val revision by repository.revision.collectAsState()
    val scope = rememberCoroutineScope()
    var reason by remember { mutableStateOf("") }
    LaunchedEffect(revision) { model.load() }

    Screen(stringResource(R.string.conflicts_title)) {
        if (state.items.isEmpty()) Text(stringResource(R.string.no_conflicts))
        OutlinedTextField(reason, { reason = it }, label = { Text(stringResource(R.string.conflict_reason)) })
        if (state.reasonMissing) Text(stringResource(R.string.conflict_reason_missing), color = MaterialTheme.colorScheme.error)
        for (item in state.items) {
            Card {
                Text("${item.caseNumber} · ${item.field.section}.${item.field.field}", style = MaterialTheme.typography.titleMedium)
                for (choice in item.choices) {
                    Text(choice.shown, style = MaterialTheme.typography.bodyLarge)
                    choice.writtenBy?.let { by ->
                        Text(stringResource(R.string.conflict_written_by, by + (choice.role?.let { " (${roleLabel(it)})" } ?: "")))
                    }
                    if (choice.current) Text(stringResource(R.string.conflict_shown_now), style = MaterialTheme.typography.labelSmall)
                    OutlinedButton({ scope.launch { model.resolve(item, choice, reason) } }) {
                        Text(stringResource(R.string.conflict_choose))
                    }
                }
            }
        }
        ErrorLine(state.error)
    }
}
