"""The device API from Python, as an app would drive it: real encrypted
stores on disk, the real library, and a real ocrotire-server on 127.0.0.1."""

import datetime
import os

import pytest

import ocrotire
from ocrotire import OcrotireError, Role

UTC = datetime.timezone.utc
PIN = "482916"


def ana_turcanu(days_ago):
    """A 13-year-old groomed online, identified `days_ago` days ago."""
    child = ocrotire.new_child(ocrotire.Sex.FEMALE, "9213000")
    child.birth_date = "2013-05-14"
    child.given_name = "Ana"
    child.family_name = "Țurcanu"
    child.parents_abroad = ocrotire.ParentsAbroad.BOTH
    identified = datetime.datetime.now(UTC) - datetime.timedelta(days=days_ago)
    notification = ocrotire.new_notification(
        ocrotire.ReportingSector.EDUCATION,
        ocrotire.Channel.IN_PERSON,
        identified,
        [ocrotire.SesacForm.SOLICITATION, ocrotire.SesacForm.SELF_GENERATED_UNDER_PRESSURE],
    )
    notification.online_component = ocrotire.YesNoUnknown.YES
    notification.crime_suspected = True
    return child, notification


def test_a_social_assistants_day_offline(open_caseload, tmp_path, keys):
    caseload = open_caseload("sa-ungheni-07", Role.SOCIAL_ASSISTANT)
    case = caseload.create_case(*ana_turcanu(days_ago=10))
    assert case.child.family_name == "Țurcanu"
    assert case.case_number.startswith("9200-")
    assert case.status == ocrotire.CaseStatus.OPEN
    assert case.current_risk is None

    # Search matches the comma-below, the old cedilla and plain letters alike.
    for query in ["Țurcanu", "Ţurcanu", "turcanu", "ana", "Pârliţa"]:
        found = caseload.list_cases(ocrotire.CaseFilter(text=query)).cases
        assert [c.id for c in found] == [case.id], query
    assert caseload.list_cases(ocrotire.CaseFilter(text="Popescu")).cases == []

    # The assessment: the live score moves with every answer.
    template = ocrotire.current_template()
    kinds = [s.kind for s in template.sections]
    assert kinds == [ocrotire.ItemKind.IMMINENT, ocrotire.ItemKind.FLOOR,
                     ocrotire.ItemKind.RISK, ocrotire.ItemKind.PROTECTIVE]
    risk_items = template.sections[2].items
    assessment = caseload.start_assessment(case.id)
    assert assessment.status == ocrotire.AssessmentStatus.DRAFT
    assert assessment.score.score == 0
    before = assessment.score.risk_points
    assessment = caseload.answer_item(case.id, assessment.id, risk_items[0].id, True)
    assert assessment.score.risk_points == before + risk_items[0].points
    assert [a.item_id for a in assessment.answers] == [risk_items[0].id]
    assert assessment.score.explanation
    assessment = caseload.set_safety(case.id, assessment.id, ocrotire.SafetyPlan(
        child_safety_scale=4, worker_safety_scale=5,
        danger_statement="Threatened to send images to her class.", safety_goal=None))
    assert assessment.child_safety_scale == 4
    computed = assessment.score.computed_level
    assessment = caseload.override_level(
        case.id, assessment.id, ocrotire.RiskLevel.HIGH, "Threats of sharing images")
    assert assessment.score.final_level == ocrotire.RiskLevel.HIGH
    assert assessment.override_level.reason == "Threats of sharing images"
    assessment = caseload.complete_assessment(case.id, assessment.id)
    assert assessment.status == ocrotire.AssessmentStatus.COMPLETED
    assert assessment.score.computed_level == computed
    assert assessment.completed_by.user_id == "sa-ungheni-07"
    with pytest.raises(OcrotireError.InvalidInput):
        caseload.answer_item(case.id, assessment.id, risk_items[1].id, True)

    # Identified ten days ago at high risk, not visited: the first visit is overdue.
    details = caseload.case_details(case.id)
    assert details.current_risk == ocrotire.RiskLevel.HIGH
    assert [(d.what, d.overdue) for d in details.due] == [("first_visit", True)]
    overdue = caseload.list_cases(ocrotire.CaseFilter(overdue_only=True)).cases
    assert [c.id for c in overdue] == [case.id] and overdue[0].overdue

    # Consent, then a referral with the minimal packet, sent.
    caseload.record_consent(
        case.id, [], ocrotire.ConsentBasis.GIVEN(ocrotire.ConsentGiver.PARENT), "wants help")
    packet = caseload.draft_referral_packet(case.id, ocrotire.ServiceType.PSYCHO_PEDAGOGICAL)
    assert packet.age_band == "10-14"
    assert packet.sex == ocrotire.Sex.FEMALE
    assert packet.category == [ocrotire.SesacForm.SOLICITATION,
                               ocrotire.SesacForm.SELF_GENERATED_UNDER_PRESSURE]
    assert packet.risk_level == ocrotire.RiskLevel.HIGH
    assert packet.consent_obtained
    packet.safety_instructions = "Do not call the father's phone"
    services = caseload.services(ocrotire.ServiceType.PSYCHO_PEDAGOGICAL)
    assert services and all(s.service_type == ocrotire.ServiceType.PSYCHO_PEDAGOGICAL for s in services)
    referral = caseload.add_referral(
        case.id, ocrotire.ServiceType.PSYCHO_PEDAGOGICAL, services[0].id, packet)
    assert referral.status == ocrotire.ReferralStatus.DRAFT()
    assert referral.acknowledge_by is None
    referral = caseload.add_referral_event(case.id, referral.id, ocrotire.ReferralEventKind.SENT())
    assert referral.status == ocrotire.ReferralStatus.SENT()
    assert referral.acknowledge_by > datetime.datetime.now(UTC)
    assert not referral.overdue
    referral = caseload.add_referral_event(
        case.id, referral.id, ocrotire.ReferralEventKind.ACKNOWLEDGED())
    assert referral.acknowledge_by is None

    # The home visit clears the overdue first visit.
    details = caseload.add_follow_up(case.id, ocrotire.FollowUpVisit(
        kind=ocrotire.FollowUpKind.HOME_VISIT, date="2026-11-27", child_seen=True,
        summary="Safety plan agreed with the grandmother.", next_due="2026-12-04"))
    assert details.follow_ups[0].date == "2026-11-27"
    assert details.due == []
    details = caseload.add_note(case.id, "Grandmother will keep the phone at night.")
    assert len(details.notes) == 1 and details.notes[0].by.role == Role.SOCIAL_ASSISTANT

    # Lock, reopen from disk, unlock: everything is still there.
    caseload.lock()
    with pytest.raises(OcrotireError.Locked):
        caseload.case_details(case.id)
    assert ocrotire.caseload_exists(str(tmp_path / "sa-ungheni-07"))
    reopened = ocrotire.Caseload.open(str(tmp_path / "sa-ungheni-07"), keys)
    assert not reopened.is_unlocked()
    reopened.unlock(PIN)
    again = reopened.case_details(case.id)
    assert again.referrals[0].status == ocrotire.ReferralStatus.ACKNOWLEDGED()
    assert again.assessments[0].score.final_level == ocrotire.RiskLevel.HIGH
    assert again.follow_ups == details.follow_ups
    assert reopened.user() == ocrotire.DeviceUser(
        user_id="sa-ungheni-07", role=Role.SOCIAL_ASSISTANT, district="9200")

    # A new PIN opens it; the old one no longer does.
    reopened.change_pin(PIN, "735102")
    reopened.lock()
    with pytest.raises(OcrotireError.WrongPin):
        reopened.unlock(PIN)
    reopened.unlock("735102")
    reopened.wipe()
    assert not ocrotire.caseload_exists(str(tmp_path / "sa-ungheni-07"))


def test_wrong_pins_count_down_then_wait(open_caseload, tmp_path, keys):
    open_caseload("sa-1", Role.SOCIAL_ASSISTANT).lock()
    caseload = ocrotire.Caseload.open(str(tmp_path / "sa-1"), keys)
    left = []
    for _ in range(3):
        with pytest.raises(OcrotireError.WrongPin) as wrong:
            caseload.unlock("000000")
        left.append(wrong.value.attempts_left)
    assert left == [9, 8, 7]
    with pytest.raises(OcrotireError.Throttled) as throttled:
        caseload.unlock(PIN)
    assert throttled.value.retry_after_secs > 0
    assert not caseload.is_unlocked()


class Keystore(ocrotire.KeyProvider):
    """A key provider written in Python, as Android's or iOS's would be."""

    def __init__(self, secret):
        self.secret = secret

    def platform_secret(self):
        if self.secret is None:
            raise ocrotire.KeyProviderError.Unavailable("keystore reset")
        return self.secret


def test_the_platform_secret_comes_from_the_app(tmp_path):
    user = ocrotire.DeviceUser(user_id="sa-2", role=Role.SOCIAL_ASSISTANT, district="9200")
    secret = os.urandom(32)
    ocrotire.Caseload.create(str(tmp_path), PIN, user, Keystore(secret)).lock()

    with pytest.raises(OcrotireError.KeyUnavailable) as unavailable:
        ocrotire.Caseload.open(str(tmp_path), Keystore(None)).unlock(PIN)
    assert "keystore reset" in str(unavailable.value)
    # The right PIN with another device's secret: the copied file stays shut.
    with pytest.raises(OcrotireError.WrongPin):
        ocrotire.Caseload.open(str(tmp_path), Keystore(os.urandom(32))).unlock(PIN)
    ocrotire.Caseload.open(str(tmp_path), Keystore(secret)).unlock(PIN)


def test_errors_arrive_as_public_types(open_caseload, tmp_path, keys):
    assistant = open_caseload("sa-3", Role.SOCIAL_ASSISTANT)
    case = assistant.create_case(*ana_turcanu(days_ago=0))

    with pytest.raises(OcrotireError.NotFound):
        assistant.case_details(os.urandom(16).hex())
    with pytest.raises(OcrotireError.NotFound):
        assistant.add_referral_event(case.id, "no-such-referral", ocrotire.ReferralEventKind.SENT())
    assessment = assistant.start_assessment(case.id)
    with pytest.raises(OcrotireError.InvalidInput):
        assistant.set_safety(case.id, assessment.id, ocrotire.SafetyPlan(
            child_safety_scale=11, worker_safety_scale=None, danger_statement=None,
            safety_goal=None))
    with pytest.raises(OcrotireError.InvalidInput):
        assistant.answer_item(case.id, assessment.id, "not_an_item", True)
    with pytest.raises(OcrotireError.InvalidInput):
        assistant.add_note(case.id, "x" * 100_000)
    # A refused change changes nothing stored.
    assert assistant.case_details(case.id).notes == []

    mediator = open_caseload("cm-1", Role.COMMUNITY_MEDIATOR)
    filed = mediator.file_notification(short_form())
    with pytest.raises(OcrotireError.NotPermitted):
        mediator.start_assessment(filed.id)

    with pytest.raises(OcrotireError.NotEnrolled):
        assistant.sync(ocrotire.SyncServer(url="http://127.0.0.1:9", timeout_secs=2), None)
    with pytest.raises(OcrotireError.Network):
        assistant.enroll(ocrotire.SyncServer(url="http://127.0.0.1:9", timeout_secs=2), "CODE")
    with pytest.raises(OcrotireError.NoCaseload):
        ocrotire.Caseload.open(str(tmp_path / "nothing-here"), keys).unlock(PIN)
    with pytest.raises(OcrotireError.AlreadyExists):
        open_caseload_again(tmp_path / "sa-3", keys)


def open_caseload_again(directory, keys):
    user = ocrotire.DeviceUser(user_id="sa-3", role=Role.SOCIAL_ASSISTANT, district="9200")
    return ocrotire.Caseload.create(str(directory), PIN, user, keys)


def short_form():
    return ocrotire.ShortNotification(
        sex=ocrotire.Sex.FEMALE,
        locality="9213000",
        approximate_age=12,
        reporter_sector=ocrotire.ReportingSector.FAMILY,
        channel=ocrotire.Channel.IN_PERSON,
        identified_at=datetime.datetime.now(UTC),
        forms=[ocrotire.SesacForm.SEXUAL_ABUSE],
        online_component=ocrotire.YesNoUnknown.NO,
        crime_suspected=True,
        child_words="Nu vreau să merg acasă.",
    )


class Progress(ocrotire.SyncListener):
    def __init__(self):
        self.seen = []

    def on_progress(self, progress):
        self.seen.append(progress)


def enrolled(server, open_caseload, user_id, role):
    server.user(user_id, role.name.lower())
    caseload = open_caseload(user_id, role)
    device = caseload.enroll(server.config(), server.code(user_id))
    assert device.user_id == user_id and device.device_id
    return caseload


def test_sync_merges_offline_work_and_a_conflict_is_resolved(server, open_caseload):
    mediator = enrolled(server, open_caseload, "cm-ungheni-2", Role.COMMUNITY_MEDIATOR)
    officer = enrolled(server, open_caseload, "do-ungheni-1", Role.DISTRICT_OFFICER)
    assistant = enrolled(server, open_caseload, "sa-ungheni-07", Role.SOCIAL_ASSISTANT)

    # A mediator files the short form offline, then finds a network.
    filed = mediator.file_notification(short_form())
    assert filed.child.estimated_birth_year == datetime.date.today().year - 12
    assert mediator.sync_status().pending_cases == 1
    progress = Progress()
    report = mediator.sync(server.config(), progress)
    assert report.accepted == [filed.id] and report.refused == []
    assert progress.seen and progress.seen[-1].round_trips >= 1
    assert progress.seen[-1].bytes_sent > 0
    status = mediator.sync_status()
    assert status.enrolled and status.pending_cases == 0 and status.last_success is not None

    # The district officer receives it and assigns it to the assistant.
    officer.sync(server.config(), None)
    assert [c.id for c in officer.list_cases(ocrotire.CaseFilter()).cases] == [filed.id]
    officer.add_case_event(filed.id, ocrotire.CaseEvent.ASSIGNED("sa-ungheni-07"))
    officer.sync(server.config(), None)

    # The assistant's tablet now holds the mediator's notification.
    report = assistant.sync(server.config(), None)
    case = assistant.case_details(filed.id)
    assert case.notification.child_words == "Nu vreau să merg acasă."
    assert case.created_by.role == Role.COMMUNITY_MEDIATOR

    # Both change where the child lives while offline, differently.
    child = case.child
    child.living_arrangement = ocrotire.LivingArrangement.RELATIVES
    assistant.update_child(filed.id, child)
    child.living_arrangement = ocrotire.LivingArrangement.FOSTER_OR_GUARDIAN
    officer.update_child(filed.id, child)
    assistant.sync(server.config(), None)
    report = officer.sync(server.config(), None)
    assert report.open_conflicts == 1
    assistant.sync(server.config(), None)

    # Both see the same conflict, with both values and who wrote each.
    conflicts = assistant.conflicts(filed.id)
    assert conflicts == officer.conflicts(filed.id)
    [conflict] = conflicts
    assert conflict.kind == ocrotire.ConflictKind.CONCURRENT_VALUES
    assert (conflict.field.section, conflict.field.field) == ("child", "living_arrangement")
    written = {(v.value, v.author.user_id) for v in conflict.values}
    assert written == {('"relatives"', "sa-ungheni-07"), ('"foster_or_guardian"', "do-ungheni-1")}
    assert assistant.case_details(filed.id).open_conflicts == 1
    assert assistant.list_cases(ocrotire.CaseFilter()).cases[0].open_conflicts == 1

    # The assistant decides, with a reason; the officer sees the decision.
    resolved = assistant.resolve_conflict(
        filed.id, conflict.field, '"relatives"', "Grandmother confirmed at the visit")
    assert resolved.open_conflicts == 0
    assert resolved.child.living_arrangement == ocrotire.LivingArrangement.RELATIVES
    assistant.sync(server.config(), None)
    report = officer.sync(server.config(), None)
    assert report.open_conflicts == 0
    seen = officer.case_details(filed.id)
    assert seen.child.living_arrangement == ocrotire.LivingArrangement.RELATIVES
    [resolution] = seen.resolutions
    assert resolution.reason == "Grandmother confirmed at the visit"
    assert resolution.by.user_id == "sa-ungheni-07"
    assert sorted(resolution.alternatives) == ['"foster_or_guardian"', '"relatives"']


def test_a_revoked_device_is_wiped(server, open_caseload, tmp_path):
    assistant = enrolled(server, open_caseload, "sa-4", Role.SOCIAL_ASSISTANT)
    assistant.create_case(*ana_turcanu(days_ago=1))
    assistant.sync(server.config(), None)
    device_id = server.admin("list-devices").splitlines()[1].split()[0]
    server.admin("revoke-device", "--device-id", device_id)
    with pytest.raises(OcrotireError.Revoked):
        assistant.sync(server.config(), None)
    assert not ocrotire.caseload_exists(str(tmp_path / "sa-4"))
    with pytest.raises(OcrotireError.Locked):
        assistant.list_cases(ocrotire.CaseFilter())


def test_one_caseload_serves_several_threads(open_caseload):
    import threading

    caseload = open_caseload("sa-5", Role.SOCIAL_ASSISTANT)
    case = caseload.create_case(*ana_turcanu(days_ago=0))
    errors = []

    def write(n):
        try:
            for i in range(10):
                caseload.add_note(case.id, f"visit note {n}.{i}")
        except Exception as e:  # noqa: BLE001 - any failure fails the test below
            errors.append(e)

    def read():
        try:
            for _ in range(20):
                assert len(caseload.list_cases(ocrotire.CaseFilter()).cases) == 1
                caseload.case_details(case.id)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(caseload.case_details(case.id).notes) == 30
