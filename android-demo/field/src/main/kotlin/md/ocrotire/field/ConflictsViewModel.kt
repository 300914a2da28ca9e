package md.ocrotire.field

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.ocrotire.CaseFilter
import uniffi.ocrotire.Conflict
import uniffi.ocrotire.ConflictKind
import uniffi.ocrotire.FieldPath
import uniffi.ocrotire.OcrotireException
import uniffi.ocrotire.Role

/** One value in conflict and who wrote it. */
data class ConflictChoice(
    /** As stored (JSON text): what `resolve` sends back. */
    val value: String,
    /** For people: text without quotes, `—` for an empty value. */
    val shown: String,
    val writtenBy: String?,
    val role: Role?,
    /** The value the case shows until someone decides. */
    val current: Boolean,
)

data class ConflictItem(
    val caseId: String,
    val caseNumber: String,
    val kind: ConflictKind,
    val field: FieldPath,
    val choices: List<ConflictChoice>,
)

data class ConflictsState(
    val items: List<ConflictItem> = emptyList(),
    val reasonMissing: Boolean = false,
    val error: OcrotireException? = null,
)

/**
 * Decisions waiting for a person: every value that was written while
 * devices were apart, side by side with who wrote it. The decision and
 * its reason are kept in the case and travel to every device.
 */
class ConflictsViewModel(private val repository: FieldRepository) {
    private val current = MutableStateFlow(ConflictsState())
    val state: StateFlow<ConflictsState> = current.asStateFlow()

    suspend fun load() {
        current.value = try {
            ConflictsState(items = repository.read { caseload ->
                caseload.listCases(CaseFilter(text = null, risk = null, status = null, overdueOnly = false))
                    .cases.filter { it.openConflicts > 0u }
                    .flatMap { row -> caseload.conflicts(row.id).map { item(row.id, row.caseNumber, it) } }
            })
        } catch (e: OcrotireException) {
            current.value.copy(error = e)
        }
    }

    /** Keeps [choice] for the conflict, with the reason the person gave. */
    suspend fun resolve(item: ConflictItem, choice: ConflictChoice, reason: String) {
        if (reason.isBlank()) {
            current.value = current.value.copy(reasonMissing = true)
            return
        }
        try {
            repository.write { it.resolveConflict(item.caseId, item.field, choice.value, reason.trim()) }
            load()
        } catch (e: OcrotireException) {
            current.value = current.value.copy(error = e)
        }
    }

    private fun item(caseId: String, caseNumber: String, conflict: Conflict) = ConflictItem(
        caseId = caseId,
        caseNumber = caseNumber,
        kind = conflict.kind,
        field = conflict.field,
        choices = conflict.values.mapIndexed { index, value ->
            ConflictChoice(
                value = value.value,
                shown = shown(value.value),
                writtenBy = value.author?.userId,
                role = value.author?.role,
                current = index == 0,
            )
        },
    )

    private fun shown(json: String): String = when {
        json == "null" -> "—"
        json.length >= 2 && json.startsWith('"') && json.endsWith('"') -> json.substring(1, json.length - 1)
        else -> json
    }
}
