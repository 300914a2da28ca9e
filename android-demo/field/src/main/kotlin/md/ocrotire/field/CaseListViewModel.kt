package md.ocrotire.field

import java.time.Instant
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.ocrotire.CaseFilter
import uniffi.ocrotire.CaseListItem
import uniffi.ocrotire.CaseStatus
import uniffi.ocrotire.RiskLevel

/** One row of the caseload: a risk badge, an overdue marker, conflicts. */
data class CaseRow(
    val id: String,
    val caseNumber: String,
    /** The child's name where this device holds it, else the case number. */
    val title: String,
    val place: String,
    val risk: RiskLevel?,
    val overdue: Boolean,
    val nextDue: Instant?,
    val openConflicts: Int,
    val closed: Boolean,
)

data class CaseListState(
    val query: String = "",
    val overdueOnly: Boolean = false,
    val rows: List<CaseRow> = emptyList(),
    /** Cases whose stored data failed its check: counted, never hidden. */
    val unreadable: Int = 0,
)

/**
 * The caseload list. Search matches names, places and case numbers, and
 * treats ș/ş, ț/ţ and î/â as the same letter, so an old keyboard finds a
 * name typed on a new one.
 */
class CaseListViewModel(private val repository: FieldRepository) {
    private val current = MutableStateFlow(CaseListState())
    val state: StateFlow<CaseListState> = current.asStateFlow()

    suspend fun search(query: String) {
        current.value = current.value.copy(query = query)
        refresh()
    }

    suspend fun showOverdueOnly(only: Boolean) {
        current.value = current.value.copy(overdueOnly = only)
        refresh()
    }

    suspend fun refresh() {
        val asked = current.value
        val filter = CaseFilter(
            text = asked.query.trim().ifEmpty { null },
            risk = null,
            status = null,
            overdueOnly = asked.overdueOnly,
        )
        val list = repository.read { it.listCases(filter) }
        current.value = asked.copy(rows = list.cases.map(::row), unreadable = list.unreadable.size)
    }

    private fun row(item: CaseListItem) = CaseRow(
        id = item.id,
        caseNumber = item.caseNumber,
        title = item.displayName ?: item.caseNumber,
        place = item.localityName ?: item.locality,
        risk = item.risk,
        overdue = item.overdue,
        nextDue = item.nextDue,
        openConflicts = item.openConflicts.toInt(),
        closed = item.status == CaseStatus.CLOSED,
    )
}
