package md.ocrotire.field

import java.time.LocalDate
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.ocrotire.FollowUpKind
import uniffi.ocrotire.FollowUpVisit
import uniffi.ocrotire.OcrotireException

data class FollowUpState(
    val kind: FollowUpKind = FollowUpKind.HOME_VISIT,
    val date: LocalDate = LocalDate.now(),
    val childSeen: Boolean = true,
    val summary: String = "",
    val nextDue: LocalDate? = null,
    val saved: Boolean = false,
    val dateInFuture: Boolean = false,
    val error: OcrotireException? = null,
)

/** Records a follow-up visit; a visit clears the overdue first visit. */
class FollowUpViewModel(
    private val repository: FieldRepository,
    private val caseId: String,
    private val today: () -> LocalDate = LocalDate::now,
) {
    private val current = MutableStateFlow(FollowUpState(date = today()))
    val state: StateFlow<FollowUpState> = current.asStateFlow()

    fun edit(change: (FollowUpState) -> FollowUpState) {
        current.value = change(current.value).copy(saved = false, dateInFuture = false, error = null)
    }

    suspend fun save() {
        val visit = current.value
        if (visit.date.isAfter(today())) {
            current.value = visit.copy(dateInFuture = true)
            return
        }
        current.value = try {
            repository.write {
                it.addFollowUp(
                    caseId,
                    FollowUpVisit(
                        kind = visit.kind,
                        date = visit.date.toString(),
                        childSeen = visit.childSeen,
                        summary = visit.summary.trim().ifEmpty { null },
                        nextDue = visit.nextDue?.toString(),
                    ),
                )
            }
            FollowUpState(date = today(), saved = true)
        } catch (e: OcrotireException) {
            visit.copy(error = e)
        }
    }
}
