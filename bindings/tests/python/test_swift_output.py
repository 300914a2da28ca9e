"""There is no Swift compiler here, so the generated Swift is checked for
the declarations an iOS app is written against (see docs/MOBILE.md)."""

import pathlib
import re

import pytest

SWIFT = pathlib.Path(__file__).resolve().parents[2] / "out/swift"


@pytest.fixture(scope="module")
def swift():
    text = (SWIFT / "ocrotire.swift").read_text()
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("declaration", [
    "open class Caseload: CaseloadProtocol",
    "public static func create(dir: String, pin: String, user: DeviceUser, keys: KeyProvider)throws -> Caseload",
    "open func unlock(pin: String)throws",
    "open func sync(server: SyncServer, listener: SyncListener?)throws -> SyncReport",
    "open func resolveConflict(caseId: String, field: FieldPath, chosenValue: String, reason: String)throws -> CaseDetails",
    "public protocol KeyProvider: AnyObject, Sendable { func platformSecret() throws -> Data",
    "public protocol SyncListener: AnyObject, Sendable { func onProgress(progress: SyncProgress)",
    "public enum OcrotireError: Swift.Error",
    "case WrongPin(attemptsLeft: UInt32? )",
    "case Throttled(retryAfterSecs: UInt64 )",
    "public enum KeyProviderError: Swift.Error",
    "public struct CaseDetails: Equatable, Hashable",
    "public struct AssessmentView: Equatable, Hashable",
    "public struct Conflict: Equatable, Hashable",
    "public enum ReferralStatus: Equatable, Hashable",
    "public enum RiskLevel: Equatable, Hashable",
    "public typealias Timestamp = Date",
    "public typealias IsoDate = String",
    "public func currentTemplate()throws -> TemplateView",
    "public func newChild(sex: Sex, locality: String) -> Child",
])
def test_the_swift_api_declares(swift, declaration):
    assert re.sub(r"\s+", " ", declaration) in swift


def test_the_c_header_and_module_map_come_with_it():
    header = (SWIFT / "ocrotireFFI.h").read_text()
    assert "uniffi_ocrotire_fn_constructor_caseload_create" in header
    assert 'header "ocrotireFFI.h"' in (SWIFT / "ocrotireFFI.modulemap").read_text()
