package md.ocrotire.field

import java.time.Instant
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.ocrotire.Channel
import uniffi.ocrotire.OcrotireException
import uniffi.ocrotire.ReportingSector
import uniffi.ocrotire.SesacForm
import uniffi.ocrotire.Sex
import uniffi.ocrotire.ShortNotification
import uniffi.ocrotire.YesNoUnknown

/**
 * The mediator's short form, as typed so far. Every field is a tap or a
 * few characters, so it can be filled one-handed; only sex, place, who
 * reported and what was seen are required.
 */
data class NotificationForm(
    val sex: Sex? = null,
    val locality: String = "",
    val approximateAge: String = "",
    val reporterSector: ReportingSector? = null,
    val channel: Channel = Channel.IN_PERSON,
    val forms: Set<SesacForm> = emptySet(),
    val onlineComponent: YesNoUnknown = YesNoUnknown.UNKNOWN,
    val crimeSuspected: Boolean = false,
    val childWords: String = "",
)

enum class FormProblem { SEX_MISSING, LOCALITY_MISSING, AGE_INVALID, REPORTER_MISSING, FORM_MISSING }

data class NotificationState(
    val form: NotificationForm = NotificationForm(),
    val problems: Set<FormProblem> = emptySet(),
    val filedCaseId: String? = null,
    val error: OcrotireException? = null,
)

class NotificationViewModel(
    private val repository: FieldRepository,
    private val clock: () -> Instant = Instant::now,
) {
    private val current = MutableStateFlow(NotificationState())
    val state: StateFlow<NotificationState> = current.asStateFlow()

    fun edit(change: (NotificationForm) -> NotificationForm) {
        current.value = current.value.copy(form = change(current.value.form), problems = emptySet())
    }

    /** Files the notification on this device; it syncs when a network returns. */
    suspend fun submit(): String? {
        val form = current.value.form
        val problems = problems(form)
        val sex = form.sex
        val reporter = form.reporterSector
        if (problems.isNotEmpty() || sex == null || reporter == null) {
            current.value = current.value.copy(problems = problems)
            return null
        }
        val short = ShortNotification(
            sex = sex,
            locality = form.locality.trim(),
            approximateAge = form.approximateAge.trim().toUIntOrNull(),
            reporterSector = reporter,
            channel = form.channel,
            identifiedAt = clock(),
            forms = form.forms.sorted(),
            onlineComponent = form.onlineComponent,
            crimeSuspected = form.crimeSuspected,
            childWords = form.childWords.trim().ifEmpty { null },
        )
        return try {
            val case = repository.write { it.fileNotification(short) }
            current.value = NotificationState(filedCaseId = case.id)
            case.id
        } catch (e: OcrotireException) {
            current.value = current.value.copy(error = e)
            null
        }
    }

    companion object {
        private const val OLDEST_CHILD = 17u

        fun problems(form: NotificationForm): Set<FormProblem> = buildSet {
            if (form.sex == null) add(FormProblem.SEX_MISSING)
            if (form.locality.isBlank()) add(FormProblem.LOCALITY_MISSING)
            val age = form.approximateAge.trim()
            if (age.isNotEmpty() && (age.toUIntOrNull() ?: UInt.MAX_VALUE) > OLDEST_CHILD) {
                add(FormProblem.AGE_INVALID)
            }
            if (form.reporterSector == null) add(FormProblem.REPORTER_MISSING)
            if (form.forms.isEmpty()) add(FormProblem.FORM_MISSING)
        }
    }
}
