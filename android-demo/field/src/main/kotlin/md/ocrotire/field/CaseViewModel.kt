package md.ocrotire.field

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.ocrotire.CaseDetails
import uniffi.ocrotire.CaseEvent
import uniffi.ocrotire.Child
import uniffi.ocrotire.ClosureOutcome
import uniffi.ocrotire.OcrotireException

data class CaseState(
    val case: CaseDetails? = null,
    val capabilities: Capabilities? = null,
    val error: OcrotireException? = null,
)

/**
 * One case: its sections as the role may see them, and the case-level
 * actions (edit the child, assign, close). A mediator's view of a case
 * leaves assessments out entirely.
 */
class CaseViewModel(private val repository: FieldRepository, val caseId: String) {
    private val current = MutableStateFlow(CaseState())
    val state: StateFlow<CaseState> = current.asStateFlow()

    suspend fun load() = show { repository.read { it.caseDetails(caseId) } }

    suspend fun editChild(change: (Child) -> Child) = show {
        repository.write { caseload ->
            caseload.updateChild(caseId, change(caseload.caseDetails(caseId).child))
        }
    }

    suspend fun addNote(text: String) = show { repository.write { it.addNote(caseId, text) } }

    /** A district officer hands the case to a social assistant. */
    suspend fun assign(userId: String) = event(CaseEvent.Assigned(userId))

    suspend fun close(outcome: ClosureOutcome, reason: String) = event(CaseEvent.Closed(outcome, reason))

    private suspend fun event(event: CaseEvent) = show { repository.write { it.addCaseEvent(caseId, event) } }

    private suspend fun show(load: suspend () -> CaseDetails) {
        current.value = try {
            val capabilities = Capabilities.of(repository.read { it.user().role })
            val details = load()
            CaseState(visible(details, capabilities), capabilities)
        } catch (e: OcrotireException) {
            current.value.copy(error = e)
        }
    }

    private fun visible(case: CaseDetails, capabilities: Capabilities): CaseDetails =
        if (capabilities.seeAssessments) case else case.copy(assessments = emptyList())
}
