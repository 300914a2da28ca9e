// A field day through the app's own view models (android-demo/field), on
// a JVM with the real library and a real ocrotire-server on 127.0.0.1:
// a mediator's phone files a notification offline, an assistant's tablet
// assesses and refers offline, both sync, the district officer assigns the
// mediator's case, the assistant finds it merged into the caseload, and a
// conflict is made and resolved. Only the Android screens are missing.

import java.io.File
import java.time.Duration
import java.time.Instant
import java.time.LocalDate
import javax.xml.parsers.DocumentBuilderFactory
import kotlinx.coroutines.runBlocking
import md.ocrotire.field.*
import uniffi.ocrotire.*

/** One device: its repository and the view models its screens hold. */
class Device(dir: File, server: Server, val user: DeviceUser) {
    val settings = SettingsViewModel(InMemorySettings())
    val repository = FieldRepository(File(dir, user.userId).path, InMemoryKeyProvider(randomBytes(32)), server.config())
    val unlock = UnlockViewModel(repository)
    val cases = CaseListViewModel(repository)
    val sync = SyncViewModel(repository)
    val conflicts = ConflictsViewModel(repository)

    fun case(id: String) = CaseViewModel(repository, id)
    fun assessment(caseId: String) = AssessmentViewModel(repository, caseId, settings.language)
    fun referrals(caseId: String) = ReferralViewModel(repository, caseId, settings.language)
}

fun device(dir: File, server: Server, userId: String, role: Role): Device = runBlocking {
    server.admin("create-user", "--user-id", userId, "--role", role.name.lowercase(), "--district", DISTRICT)
    val device = Device(dir, server, DeviceUser(userId, role, DISTRICT))
    same(device.unlock.state.value, UnlockState.NeedsSetup, "first start of $userId")
    device.unlock.setUp(device.user, PIN, "482917")
    same(device.unlock.state.value, UnlockState.InvalidPin(PinProblem.MISMATCH), "pins that differ")
    device.unlock.setUp(device.user, PIN, PIN)
    same(device.unlock.state.value, UnlockState.Unlocked, "set up $userId")
    device.sync.enroll(server.admin("enroll-code", "--user-id", userId).split(Regex("\\s+")).last())
    check(device.sync.state.value.enrolled) { "$userId enrolled: ${device.sync.state.value}" }
    device
}

fun fieldDay(dir: File) = Server(dir).use { server ->
    runBlocking {
        val phone = device(dir, server, "cm-ungheni-2", Role.COMMUNITY_MEDIATOR)
        val tablet = device(dir, server, "sa-ungheni-07", Role.SOCIAL_ASSISTANT)
        val office = device(dir, server, "do-ungheni-1", Role.DISTRICT_OFFICER)

        // 1. The mediator, offline in Pîrlița, files the short form one-handed.
        val form = NotificationViewModel(phone.repository)
        same(form.submit(), null, "an empty form is not filed")
        check(FormProblem.SEX_MISSING in form.state.value.problems) { "problems: ${form.state.value.problems}" }
        form.edit {
            it.copy(sex = Sex.FEMALE, locality = "9213000", approximateAge = "12",
                reporterSector = ReportingSector.FAMILY, forms = setOf(SesacForm.SEXUAL_ABUSE),
                crimeSuspected = true, childWords = "Nu vreau să merg acasă.")
        }
        val filed = form.submit() ?: throw Failure("notification not filed: ${form.state.value}")
        phone.cases.refresh()
        same(phone.cases.state.value.rows.map { it.id }, listOf(filed), "the phone's caseload")
        same(Capabilities.of(Role.COMMUNITY_MEDIATOR).seeAssessments, false, "mediator sees assessments")
        val onPhone = phone.case(filed).also { it.load() }.state.value
        same(onPhone.capabilities?.assess, false, "mediator may assess")
        phone.sync.refresh()
        same(phone.sync.state.value.pendingCases, 1, "pending on the phone while offline")

        // 2. The assistant, offline, registers a phone call, assesses and refers.
        val called = NotificationViewModel(tablet.repository)
        called.edit {
            it.copy(sex = Sex.MALE, locality = "9201000", approximateAge = "15",
                reporterSector = ReportingSector.EDUCATION, channel = Channel.PHONE,
                forms = setOf(SesacForm.SEXTORTION), onlineComponent = YesNoUnknown.YES)
        }
        val own = called.submit() ?: throw Failure("case not opened: ${called.state.value}")
        val wizard = tablet.assessment(own)
        wizard.open()
        val start = wizard.state.value
        same(start.steps, listOf(ItemKind.IMMINENT, ItemKind.FLOOR, ItemKind.RISK, ItemKind.PROTECTIVE), "wizard steps")
        same(start.score, 0, "score before answers")
        wizard.next()
        wizard.next()
        val risk = wizard.state.value.questions
        check(risk.all { it.answer == null && it.points != null }) { "risk questions: $risk" }
        wizard.answer(risk[0].id, true)
        same(wizard.state.value.score, risk[0].points, "live score after one yes")
        same(wizard.state.value.questions[0].answer, true, "the answer shows")
        check(!wizard.state.value.explanation.isNullOrBlank()) { "an explanation" }
        wizard.override(RiskLevel.HIGH, "  ")
        check(wizard.state.value.overrideProblem) { "an override without a reason is refused" }
        wizard.override(RiskLevel.HIGH, "Threats to publish images")
        same(wizard.state.value.level, RiskLevel.HIGH, "level after the override")
        wizard.complete()
        check(wizard.state.value.completed) { "completed: ${wizard.state.value}" }

        val referral = tablet.referrals(own)
        referral.choose(ServiceType.POLICE)
        val packet = referral.state.value.packet ?: throw Failure("no packet drafted")
        same(packet.ageBand, "15-17", "age band in the packet")
        same(packet.riskLevel, RiskLevel.HIGH, "risk in the packet")
        val police = referral.state.value.services.firstOrNull { it.id == "ungheni_police_inspectorate" }
            ?: throw Failure("Ungheni police not offered: ${referral.state.value.services}")
        referral.editPacket { it.copy(safetyInstructions = "Do not call the stepfather's phone") }
        referral.send(police.id) ?: throw Failure("referral not sent: ${referral.state.value}")
        val card = referral.state.value.referrals.single()
        same(card.status, ReferralStatus.Sent, "referral status")
        same(card.timeline.map { it.event }, listOf<ReferralEventKind>(ReferralEventKind.Sent), "timeline")
        check(card.acknowledgeBy != null && !card.overdue) { "acknowledgement deadline: $card" }
        referral.record(card.id, ReferralEventKind.Acknowledged)
        val acknowledged = referral.state.value.referrals.single()
        same(acknowledged.status, ReferralStatus.Acknowledged, "status after the service answered")
        same(acknowledged.timeline.size, 2, "timeline entries")
        same(acknowledged.acknowledgeBy, null, "no deadline once acknowledged")

        val visit = FollowUpViewModel(tablet.repository, own)
        visit.edit { it.copy(date = LocalDate.now().plusDays(2)) }
        visit.save()
        check(visit.state.value.dateInFuture) { "a visit cannot be in the future" }
        visit.edit { it.copy(date = LocalDate.now(), summary = "Met at school with the counsellor.") }
        visit.save()
        check(visit.state.value.saved) { "visit saved: ${visit.state.value}" }

        // 3. A network: both sync, with progress.
        same(phone.sync.syncNow(), SyncOutcome.Done(sent = 1, received = 0, removed = 0), "phone sync")
        check((phone.sync.state.value.progress?.roundTrips ?: 0uL) >= 1uL) { "progress shown" }
        same(phone.sync.state.value.pendingCases, 0, "pending after sync")
        check(phone.sync.state.value.lastSuccess != null) { "last success shown" }
        check(tablet.sync.syncNow() is SyncOutcome.Done) { "tablet sync: ${tablet.sync.state.value}" }

        // 4. The district office sees both and assigns the mediator's case.
        office.sync.syncNow()
        office.cases.refresh()
        same(office.cases.state.value.rows.map { it.id }.toSet(), setOf(filed, own), "the office's caseload")
        val assigned = office.case(filed)
        assigned.assign("sa-ungheni-07")
        office.sync.syncNow()

        // 5. The assistant's tablet: the mediator's notification is now a case here.
        tablet.sync.syncNow()
        tablet.cases.search("pirlita")
        same(tablet.cases.state.value.rows.map { it.id }, listOf(filed), "search for Pîrlița without diacritics")
        val merged = tablet.case(filed).also { it.load() }.state.value.case ?: throw Failure("no case")
        same(merged.notification.childWords, "Nu vreau să merg acasă.", "the mediator's words on the tablet")
        same(merged.createdBy.userId, "cm-ungheni-2", "filed by")

        // 6. A conflict: both change where the child lives, apart.
        tablet.case(filed).editChild { it.copy(livingArrangement = LivingArrangement.RELATIVES) }
        office.case(filed).editChild { it.copy(livingArrangement = LivingArrangement.FOSTER_OR_GUARDIAN) }
        tablet.sync.syncNow()
        office.sync.syncNow()
        tablet.sync.syncNow()
        same(tablet.sync.state.value.openConflicts, 1, "open conflicts on the sync screen")
        tablet.conflicts.load()
        val conflict = tablet.conflicts.state.value.items.single()
        same(conflict.field.field, "living_arrangement", "conflicted field")
        same(conflict.choices.map { it.shown to it.writtenBy }.toSet(),
            setOf("relatives" to "sa-ungheni-07", "foster_or_guardian" to "do-ungheni-1"), "both values, both authors")
        check(conflict.choices.count { it.current } == 1) { "one value is shown meanwhile" }
        val relatives = conflict.choices.first { it.shown == "relatives" }
        tablet.conflicts.resolve(conflict, relatives, "")
        check(tablet.conflicts.state.value.reasonMissing) { "a decision needs a reason" }
        tablet.conflicts.resolve(conflict, relatives, "Grandmother confirmed at the visit")
        same(tablet.conflicts.state.value.items, emptyList(), "conflicts after deciding")
        tablet.sync.syncNow()
        office.sync.syncNow()
        office.conflicts.load()
        same(office.conflicts.state.value.items, emptyList(), "the office's conflicts after the decision")
        val decided = office.case(filed).also { it.load() }.state.value.case ?: throw Failure("no case")
        same(decided.child.livingArrangement, LivingArrangement.RELATIVES, "the chosen value at the office")

        // 7. Language: the wizard speaks Russian after the switch.
        tablet.settings.choose(Language.RU)
        val russian = tablet.assessment(filed)
        russian.open()
        val label = russian.state.value.questions.first().label
        check(label.any { it in 'а'..'я' }) { "a Russian label: $label" }

        // 8. Lock; a wrong PIN says how many attempts are left.
        tablet.unlock.lock()
        check(!tablet.repository.unlocked.value) { "locked" }
        tablet.unlock.unlock("000000")
        same(tablet.unlock.state.value, UnlockState.WrongPin(9u), "wrong PIN on the tablet")
        tablet.unlock.unlock(PIN)
        same(tablet.unlock.state.value, UnlockState.Unlocked, "unlocked again")
        check(tablet.repository.unlocked.value) { "unlocked flag" }
    }
}

fun offlineStaysOffline(dir: File) = runBlocking {
    val repository = FieldRepository(File(dir, "sa").path, InMemoryKeyProvider(randomBytes(32)),
        SyncServer(url = "http://127.0.0.1:9", rootCertificatePem = null, timeoutSecs = 2u))
    UnlockViewModel(repository).setUp(DeviceUser("sa-9", Role.SOCIAL_ASSISTANT, DISTRICT), PIN, PIN)
    val sync = SyncViewModel(repository)
    same(sync.syncNow(), SyncOutcome.NotEnrolled, "sync before enrolment")
    sync.enroll("ABCD-EFGH")
    same(sync.state.value.lastOutcome, SyncOutcome.Offline, "enrolment with no server")
}

fun syncPolicy(@Suppress("UNUSED_PARAMETER") dir: File) {
    val policy = SyncPolicy()
    val now = Instant.parse("2026-11-28T09:00:00Z")
    val quiet = SyncPolicy.History(lastSuccess = now.minusSeconds(60), lastFailure = null, failuresInARow = 0, pendingCases = 0)
    check(!policy.shouldSync(now, Network.UNMETERED, quiet)) { "nothing pending, synced a minute ago" }
    check(policy.shouldSync(now.plus(Duration.ofMinutes(31)), Network.METERED, quiet)) { "the periodic check" }
    val waiting = quiet.copy(pendingCases = 2)
    check(policy.shouldSync(now, Network.METERED, waiting)) { "work waiting goes out on any network" }
    check(!policy.shouldSync(now, Network.NONE, waiting)) { "no network, no sync" }
    val failing = waiting.copy(lastFailure = now, failuresInARow = 3)
    same(policy.nextAttempt(failing), now.plus(Duration.ofMinutes(4)), "third failure waits 4 minutes")
    same(policy.nextAttempt(failing.copy(failuresInARow = 40)), now.plus(Duration.ofHours(1)), "the longest wait")
}

/** Every string in Romanian, Russian and English; Romanian with comma-below ș and ț. */
fun resources(@Suppress("UNUSED_PARAMETER") dir: File) {
    val res = File(System.getenv("ANDROID_DEMO_RES") ?: "android-demo/app/src/main/res")
    fun names(folder: String): Map<String, String> {
        val xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(File(res, "$folder/strings.xml"))
        val strings = xml.getElementsByTagName("string")
        return (0 until strings.length).associate {
            val element = strings.item(it)
            element.attributes.getNamedItem("name").nodeValue to element.textContent
        }
    }
    val ro = names("values")
    val ru = names("values-ru")
    val en = names("values-en")
    check(ro.size >= 60) { "the app's strings: ${ro.size}" }
    same(ru.keys, ro.keys, "Russian strings")
    same(en.keys, ro.keys, "English strings")
    val cedilla = ro.filterValues { it.contains('ş') || it.contains('ţ') || it.contains('Ş') || it.contains('Ţ') }
    same(cedilla.keys, emptySet(), "Romanian strings with cedilla instead of comma-below")
    check(ro.values.any { 'ș' in it } && ro.values.any { 'ț' in it } && ro.values.any { 'ă' in it }) { "Romanian diacritics" }
    check(ru.values.count { text -> text.any { it in 'а'..'я' } } > ru.size / 2) { "Russian in Cyrillic" }
}

fun main() = runTests(
    listOf(
        "field day: phone and tablet offline, sync, assignment, conflict" to ::fieldDay,
        "no network: the work stays and the screen says so" to ::offlineStaysOffline,
        "background sync policy" to ::syncPolicy,
        "strings in ro, ru and en" to ::resources,
    ),
)
