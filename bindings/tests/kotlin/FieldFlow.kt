// The device API from Kotlin on a real JVM, through JNA, as an Android app
// would drive it: real encrypted stores on disk, the real library, and a
// real ocrotire-server on 127.0.0.1. `bindings/tests/run` compiles and runs
// it; the last line it prints is "N passed, M failed".

import java.io.File
import java.time.Instant
import java.time.LocalDate
import java.time.temporal.ChronoUnit
import uniffi.ocrotire.*

fun anaTurcanu(daysAgo: Long): Pair<Child, Notification> {
    val child = newChild(Sex.FEMALE, "9213000").copy(
        birthDate = "2013-05-14",
        givenName = "Ana",
        familyName = "Țurcanu",
        parentsAbroad = ParentsAbroad.BOTH,
    )
    val identified = Instant.now().minus(daysAgo, ChronoUnit.DAYS)
    val notification = newNotification(
        ReportingSector.EDUCATION, Channel.IN_PERSON, identified,
        listOf(SesacForm.SOLICITATION, SesacForm.SELF_GENERATED_UNDER_PRESSURE),
    ).copy(onlineComponent = YesNoUnknown.YES, crimeSuspected = true)
    return child to notification
}

fun shortForm() = ShortNotification(
    sex = Sex.FEMALE,
    locality = "9213000",
    approximateAge = 12u,
    reporterSector = ReportingSector.FAMILY,
    channel = Channel.IN_PERSON,
    identifiedAt = Instant.now(),
    forms = listOf(SesacForm.SEXUAL_ABUSE),
    onlineComponent = YesNoUnknown.NO,
    crimeSuspected = true,
    childWords = "Nu vreau să merg acasă.",
)

fun fieldDayOffline(dir: File) {
    val keys = InMemoryKeyProvider(randomBytes(32))
    val home = File(dir, "sa").path
    val caseload = Caseload.create(home, PIN, DeviceUser("sa-ungheni-07", Role.SOCIAL_ASSISTANT, DISTRICT), keys)
    val (child, notification) = anaTurcanu(daysAgo = 10)
    val case = caseload.createCase(child, notification)
    check(case.caseNumber.startsWith("9200-")) { "case number ${case.caseNumber}" }

    for (query in listOf("Țurcanu", "Ţurcanu", "turcanu", "Pârliţa")) {
        same(caseload.listCases(CaseFilter(text = query)).cases.map { it.id }, listOf(case.id), "search $query")
    }

    val template = currentTemplate()
    val riskItems = template.sections.first { it.kind == ItemKind.RISK }.items
    var assessment = caseload.startAssessment(case.id)
    same(assessment.score?.score, 0, "score of no answers")
    assessment = caseload.answerItem(case.id, assessment.id, riskItems[0].id, true)
    same(assessment.score?.riskPoints, riskItems[0].points, "live risk points")
    assessment = caseload.overrideLevel(case.id, assessment.id, RiskLevel.HIGH, "Threats of sharing images")
    same(assessment.score?.finalLevel, RiskLevel.HIGH, "level after raising")
    assessment = caseload.completeAssessment(case.id, assessment.id)
    same(assessment.status, AssessmentStatus.COMPLETED, "status")
    throws<OcrotireException.InvalidInput>("answer after completion") {
        caseload.answerItem(case.id, assessment.id, riskItems[1].id, true)
    }

    var details = caseload.caseDetails(case.id)
    same(details.due.map { it.what to it.overdue }, listOf("first_visit" to true), "due")
    same(caseload.listCases(CaseFilter(overdueOnly = true)).cases.map { it.id }, listOf(case.id), "overdue list")

    caseload.recordConsent(case.id, emptyList(), ConsentBasis.Given(ConsentGiver.PARENT), null)
    val packet = caseload.draftReferralPacket(case.id, ServiceType.PSYCHO_PEDAGOGICAL)
    same(packet.ageBand, "10-14", "age band")
    check(packet.consentObtained) { "consent should count as obtained" }
    val service = caseload.services(ServiceType.PSYCHO_PEDAGOGICAL).first()
    var referral = caseload.addReferral(case.id, ServiceType.PSYCHO_PEDAGOGICAL, service.id,
        packet.copy(safetyInstructions = "Do not call the father's phone"))
    same(referral.status, ReferralStatus.Draft, "new referral")
    referral = caseload.addReferralEvent(case.id, referral.id, ReferralEventKind.Sent)
    same(referral.status, ReferralStatus.Sent, "sent referral")
    check(referral.acknowledgeBy!!.isAfter(Instant.now()) && !referral.overdue) { "acknowledgement deadline" }

    details = caseload.addFollowUp(case.id, FollowUpVisit(FollowUpKind.HOME_VISIT, LocalDate.now().toString(), true, "Safety plan agreed.", null))
    same(details.due.map { it.what }, listOf("referral_acknowledgement"), "due after the visit")

    caseload.lock()
    throws<OcrotireException.Locked>("read while locked") { caseload.caseDetails(case.id) }
    val reopened = Caseload.open(home, keys)
    reopened.unlock(PIN)
    same(reopened.caseDetails(case.id).referrals.single().packet.safetyInstructions,
        "Do not call the father's phone", "referral after reopening")
}

fun wrongPinAndKeys(dir: File) {
    val secret = randomBytes(32)
    val home = File(dir, "pin").path
    Caseload.create(home, PIN, DeviceUser("sa-1", Role.SOCIAL_ASSISTANT, DISTRICT), Keystore(secret)).lock()
    val caseload = Caseload.open(home, Keystore(secret))
    val left = (1..3).map {
        throws<OcrotireException.WrongPin>("wrong PIN") { caseload.unlock("000000") }.attemptsLeft
    }
    same(left, listOf(9u, 8u, 7u), "attempts left")
    val wait = throws<OcrotireException.Throttled>("fourth attempt") { caseload.unlock(PIN) }
    check(wait.retryAfterSecs > 0u) { "a wait is imposed" }

    val other = File(dir, "keys").path
    Caseload.create(other, PIN, DeviceUser("sa-2", Role.SOCIAL_ASSISTANT, DISTRICT), Keystore(secret)).lock()
    val unavailable = throws<OcrotireException.KeyUnavailable>("keystore reset") {
        Caseload.open(other, Keystore(null)).unlock(PIN)
    }
    check(unavailable.message.contains("keystore reset")) { "reason passed on: ${unavailable.message}" }
    throws<OcrotireException.WrongPin>("another device's secret") {
        Caseload.open(other, Keystore(randomBytes(32))).unlock(PIN)
    }
    Caseload.open(other, Keystore(secret)).unlock(PIN)
}

fun errorsArePublicTypes(dir: File) {
    val keys = InMemoryKeyProvider(randomBytes(32))
    val mediator = Caseload.create(File(dir, "cm").path, PIN, DeviceUser("cm-1", Role.COMMUNITY_MEDIATOR, DISTRICT), keys)
    val filed = mediator.fileNotification(shortForm())
    throws<OcrotireException.NotPermitted>("mediator assessing") { mediator.startAssessment(filed.id) }
    throws<OcrotireException.NotFound>("unknown case") { mediator.caseDetails("0123456789abcdef0123456789abcdef") }
    throws<OcrotireException.InvalidInput>("oversized note") { mediator.addNote(filed.id, "x".repeat(100_000)) }
    same(mediator.caseDetails(filed.id).notes, emptyList(), "notes after a refused change")
    val nowhere = SyncServer(url = "http://127.0.0.1:9", rootCertificatePem = null, timeoutSecs = 2u)
    throws<OcrotireException.NotEnrolled>("sync before enrolment") { mediator.sync(nowhere, null) }
    throws<OcrotireException.Network>("enrol with no server") { mediator.enroll(nowhere, "CODE") }
}

fun syncAndResolveAConflict(dir: File) {
    Server(dir).use { server ->
        val keys = InMemoryKeyProvider(randomBytes(32))
        val mediator = server.enrolled(dir, "cm-ungheni-2", Role.COMMUNITY_MEDIATOR, keys)
        val officer = server.enrolled(dir, "do-ungheni-1", Role.DISTRICT_OFFICER, keys)
        val assistant = server.enrolled(dir, "sa-ungheni-07", Role.SOCIAL_ASSISTANT, keys)

        val filed = mediator.fileNotification(shortForm())
        val seen = mutableListOf<SyncProgress>()
        val listener = object : SyncListener {
            override fun onProgress(progress: SyncProgress) {
                seen.add(progress)
            }
        }
        val report = mediator.sync(server.config(), listener)
        same(report.accepted, listOf(filed.id), "accepted")
        check(seen.isNotEmpty() && seen.last().roundTrips >= 1uL) { "progress reported: $seen" }
        same(mediator.syncStatus().pendingCases, 0u, "pending after sync")

        officer.sync(server.config(), null)
        officer.addCaseEvent(filed.id, CaseEvent.Assigned("sa-ungheni-07"))
        officer.sync(server.config(), null)
        assistant.sync(server.config(), null)
        val case = assistant.caseDetails(filed.id)
        same(case.notification.childWords, "Nu vreau să merg acasă.", "the mediator's words on the tablet")

        assistant.updateChild(filed.id, case.child.copy(livingArrangement = LivingArrangement.RELATIVES))
        officer.updateChild(filed.id, case.child.copy(livingArrangement = LivingArrangement.FOSTER_OR_GUARDIAN))
        assistant.sync(server.config(), null)
        same(officer.sync(server.config(), null).openConflicts, 1u, "officer's open conflicts")
        assistant.sync(server.config(), null)

        val conflict = assistant.conflicts(filed.id).single()
        same(officer.conflicts(filed.id), listOf(conflict), "both see the same conflict")
        same(conflict.field.field, "living_arrangement", "conflicted field")
        same(conflict.values.map { it.value to it.author?.userId }.toSet(),
            setOf("\"relatives\"" to "sa-ungheni-07", "\"foster_or_guardian\"" to "do-ungheni-1"), "values and authors")

        val resolved = assistant.resolveConflict(filed.id, conflict.field, "\"relatives\"", "Confirmed at the visit")
        same(resolved.openConflicts, 0u, "open conflicts after resolving")
        assistant.sync(server.config(), null)
        same(officer.sync(server.config(), null).openConflicts, 0u, "officer after the resolution")
        val decided = officer.caseDetails(filed.id)
        same(decided.child.livingArrangement, LivingArrangement.RELATIVES, "the chosen value")
        same(decided.resolutions.single().by.userId, "sa-ungheni-07", "who decided")
    }
}

fun main() = runTests(
    listOf(
        "a social assistant's day, offline" to ::fieldDayOffline,
        "wrong PINs count down, then wait; the platform secret comes from the app" to ::wrongPinAndKeys,
        "errors arrive as the public types" to ::errorsArePublicTypes,
        "sync merges offline work and a conflict is resolved" to ::syncAndResolveAConflict,
    ),
)
