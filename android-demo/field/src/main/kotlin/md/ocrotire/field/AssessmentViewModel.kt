package md.ocrotire.field

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.ocrotire.AssessmentStatus
import uniffi.ocrotire.AssessmentView
import uniffi.ocrotire.ItemKind
import uniffi.ocrotire.OcrotireException
import uniffi.ocrotire.RiskLevel
import uniffi.ocrotire.TemplateView
import uniffi.ocrotire.currentTemplate

/** One yes/no question of the current step, in the chosen language. */
data class Question(
    val id: String,
    val label: String,
    /** Points of a yes (risk and protective factors). */
    val points: Int?,
    /** Least level a yes sets (floor rules). */
    val minLevel: RiskLevel?,
    /** Null until answered. */
    val answer: Boolean?,
)

data class AssessmentState(
    val assessmentId: String? = null,
    /** The template's sections, asked in order: imminent danger first. */
    val steps: List<ItemKind> = emptyList(),
    val step: Int = 0,
    val questions: List<Question> = emptyList(),
    /** The level and sentence the answers so far give (live, on drafts). */
    val score: Int? = null,
    val level: RiskLevel? = null,
    val explanation: String? = null,
    val overrideLevel: RiskLevel? = null,
    val overrideNeedsApproval: Boolean = false,
    val completed: Boolean = false,
    val overrideProblem: Boolean = false,
    val error: OcrotireException? = null,
)

/**
 * The risk assessment wizard: one template section per step, the live
 * score and its explanation after every answer, an override that needs a
 * reason, and completion, which fixes the result for good.
 */
class AssessmentViewModel(
    private val repository: FieldRepository,
    private val caseId: String,
    private val language: StateFlow<Language>,
) {
    private val template: TemplateView = currentTemplate()
    private var view: AssessmentView? = null
    private val current = MutableStateFlow(AssessmentState(steps = template.sections.map { it.kind }))
    val state: StateFlow<AssessmentState> = current.asStateFlow()

    /** Continues the case's draft assessment, or starts one. */
    suspend fun open() = update {
        repository.read { caseload ->
            caseload.caseDetails(caseId).assessments.lastOrNull { it.status == AssessmentStatus.DRAFT }
        } ?: repository.write { it.startAssessment(caseId) }
    }

    suspend fun answer(itemId: String, yes: Boolean) = update {
        repository.write { it.answerItem(caseId, assessmentId(), itemId, yes) }
    }

    fun next() = goTo(current.value.step + 1)

    fun back() = goTo(current.value.step - 1)

    /** Changes the computed level; a reason is required. */
    suspend fun override(level: RiskLevel, reason: String) {
        if (reason.isBlank()) {
            current.value = current.value.copy(overrideProblem = true)
            return
        }
        update { repository.write { it.overrideLevel(caseId, assessmentId(), level, reason.trim()) } }
    }

    suspend fun complete() = update { repository.write { it.completeAssessment(caseId, assessmentId()) } }

    /** Shows the labels again after the language changed. */
    fun relabel() = goTo(current.value.step)

    private fun assessmentId(): String = view?.id ?: throw OcrotireException.NotFound("assessment")

    private fun goTo(step: Int) {
        val bounded = step.coerceIn(0, template.sections.size - 1)
        current.value = render(current.value.copy(step = bounded))
    }

    private suspend fun update(load: suspend () -> AssessmentView) {
        current.value = try {
            view = load()
            render(current.value.copy(error = null, overrideProblem = false))
        } catch (e: OcrotireException) {
            current.value.copy(error = e)
        }
    }

    private fun render(state: AssessmentState): AssessmentState {
        val assessment = view
        val answers = assessment?.answers.orEmpty().associate { it.itemId to it.answer }
        val section = template.sections[state.step]
        return state.copy(
            assessmentId = assessment?.id,
            questions = section.items.map { item ->
                Question(item.id, item.labels.pick(language.value), item.points, item.minLevel, answers[item.id])
            },
            score = assessment?.score?.score,
            level = assessment?.score?.finalLevel,
            explanation = assessment?.score?.explanation,
            overrideLevel = assessment?.overrideLevel?.level,
            overrideNeedsApproval = assessment?.overrideNeedsApproval ?: false,
            completed = assessment?.status == AssessmentStatus.COMPLETED,
        )
    }
}
