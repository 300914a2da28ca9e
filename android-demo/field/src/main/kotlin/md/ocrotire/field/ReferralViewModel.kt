package md.ocrotire.field

import java.time.Instant
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.ocrotire.OcrotireException
import uniffi.ocrotire.ReferralEventKind
import uniffi.ocrotire.ReferralPacket
import uniffi.ocrotire.ReferralStatus
import uniffi.ocrotire.ReferralView
import uniffi.ocrotire.Role
import uniffi.ocrotire.Service
import uniffi.ocrotire.ServiceType

/** A service of the directory, in the chosen language. */
data class ServiceOption(val id: String, val name: String, val contacts: String, val hours: String)

/** One step of a referral's status timeline. */
data class TimelineEntry(val event: ReferralEventKind, val at: Instant, val by: String, val role: Role)

data class ReferralCard(
    val id: String,
    val serviceType: ServiceType,
    val serviceName: String?,
    val status: ReferralStatus,
    val timeline: List<TimelineEntry>,
    val acknowledgeBy: Instant?,
    val overdue: Boolean,
)

data class ReferralState(
    val serviceType: ServiceType? = null,
    val services: List<ServiceOption> = emptyList(),
    /** The least the service is told, drafted from the case, editable. */
    val packet: ReferralPacket? = null,
    val referrals: List<ReferralCard> = emptyList(),
    val error: OcrotireException? = null,
)

/**
 * Referrals of one case: choose a service from the directory, check the
 * minimal packet, send, then follow the status timeline with its deadline.
 */
class ReferralViewModel(
    private val repository: FieldRepository,
    private val caseId: String,
    private val language: StateFlow<Language>,
) {
    private val current = MutableStateFlow(ReferralState())
    val state: StateFlow<ReferralState> = current.asStateFlow()
    private var directory: List<Service> = emptyList()

    suspend fun load() = attempt { current.value.copy(referrals = referralsOfCase()) }

    /** Lists the district's services of this type and drafts the packet. */
    suspend fun choose(type: ServiceType) = attempt {
        directory = repository.read { it.services(type) }
        val packet = repository.read { it.draftReferralPacket(caseId, type) }
        current.value.copy(serviceType = type, services = directory.map(::option), packet = packet)
    }

    fun editPacket(change: (ReferralPacket) -> ReferralPacket) {
        current.value.packet?.let { current.value = current.value.copy(packet = change(it)) }
    }

    /** Creates the referral and sends it; returns its id. */
    suspend fun send(serviceId: String?): String? {
        val type = current.value.serviceType ?: return null
        val packet = current.value.packet ?: return null
        return try {
            val created = repository.write { it.addReferral(caseId, type, serviceId, packet) }
            repository.write { it.addReferralEvent(caseId, created.id, ReferralEventKind.Sent) }
            current.value = ReferralState(referrals = referralsOfCase())
            created.id
        } catch (e: OcrotireException) {
            current.value = current.value.copy(error = e)
            null
        }
    }

    /** Records what the service answered (acknowledged, accepted, declined...). */
    suspend fun record(referralId: String, event: ReferralEventKind) = attempt {
        repository.write { it.addReferralEvent(caseId, referralId, event) }
        current.value.copy(referrals = referralsOfCase())
    }

    private suspend fun referralsOfCase(): List<ReferralCard> =
        repository.read { it.caseDetails(caseId).referrals }.map(::card)

    private suspend fun attempt(next: suspend () -> ReferralState) {
        current.value = try {
            next().copy(error = null)
        } catch (e: OcrotireException) {
            current.value.copy(error = e)
        }
    }

    private fun option(service: Service) =
        ServiceOption(service.id, service.name.pick(language.value), service.contacts, service.hours)

    private fun card(referral: ReferralView) = ReferralCard(
        id = referral.id,
        serviceType = referral.serviceType,
        serviceName = directory.firstOrNull { it.id == referral.serviceId }?.name?.pick(language.value),
        status = referral.status,
        timeline = referral.events.map { TimelineEntry(it.event, it.at, it.by.userId, it.by.role) },
        acknowledgeBy = referral.acknowledgeBy,
        overdue = referral.overdue,
    )
}
