package md.ocrotire.demo.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.AssistChip
import androidx.compose.material3.AssistChipDefaults
import androidx.compose.material3.Card
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.launch
import md.ocrotire.demo.R
import md.ocrotire.field.CaseListViewModel
import md.ocrotire.field.CaseRow
import md.ocrotire.field.FieldRepository

/** The caseload: search, risk badges, overdue markers, conflicts to decide. */
@Composable
fun CaseListScreen(repository: FieldRepository, open: (String) -> Unit) {
    val model = remember { CaseListViewModel(repository) }
    val state by model.state.collectAsState()
    val revision by repository.revision.collectAsState()
    val scope = rememberCoroutineScope()
    LaunchedEffect(revision) { model.refresh() }

    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        OutlinedTextField(
            state.query, { query -> scope.launch { model.search(query) } },
            label = { Text(stringResource(R.string.search_hint)) },
            singleLine = true,
            modifier = Modifier.fillMaxWidth(),
        )
        FilterChip(state.overdueOnly, { scope.launch { model.showOverdueOnly(!state.overdueOnly) } },
            label = { Text(stringResource(R.string.overdue_only)) })
        if (state.unreadable > 0) {
            Text(stringResource(R.string.unreadable_cases, state.unreadable), color = MaterialTheme.colorScheme.error)
        }
        if (state.rows.isEmpty()) Text(stringResource(R.string.no_cases))
        LazyColumn(verticalArrangement = Arrangement.spacedBy(8.dp)) {
            items(state.rows, key = { it.id }) { row -> CaseCard(row) { open(row.id) } }
        }
    }
}

@Composable
private fun CaseCard(row: CaseRow, onClick: () -> Unit) {
    Card(Modifier.fillMaxWidth().clickable(onClick = onClick)) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(row.title, style = MaterialTheme.typography.titleMedium)
            Text("${row.caseNumber} · ${row.place}", style = MaterialTheme.typography.bodySmall)
            Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                AssistChip({}, { Text(riskLabel(row.risk)) },
                    colors = AssistChipDefaults.assistChipColors(labelColor = riskColor(row.risk)))
                if (row.overdue) {
                    AssistChip({}, { Text(stringResource(R.string.overdue)) },
                        colors = AssistChipDefaults.assistChipColors(labelColor = Color(0xFFB71C1C)))
                }
                if (row.openConflicts > 0) {
                    AssistChip({}, { Text(stringResource(R.string.conflicts_badge, row.openConflicts)) })
                }
            }
        }
    }
}
