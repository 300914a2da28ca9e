package md.ocrotire.field

import uniffi.ocrotire.Role

/**
 * What a role is shown. A mediator files notifications and follows their
 * status; assessments, referrals and visits are for professionals, and a
 * mediator never sees an assessment. The core refuses the same writes;
 * this decides what the screens offer, so nobody is shown a button that
 * could only fail.
 */
data class Capabilities(
    val seeAssessments: Boolean,
    val assess: Boolean,
    val refer: Boolean,
    val recordVisits: Boolean,
    val resolveConflicts: Boolean,
    val approveLowering: Boolean,
    val assign: Boolean,
) {
    companion object {
        fun of(role: Role): Capabilities = when (role) {
            Role.COMMUNITY_MEDIATOR -> Capabilities(
                seeAssessments = false, assess = false, refer = false, recordVisits = false,
                resolveConflicts = false, approveLowering = false, assign = false,
            )
            Role.SOCIAL_ASSISTANT -> Capabilities(
                seeAssessments = true, assess = true, refer = true, recordVisits = true,
                resolveConflicts = true, approveLowering = false, assign = false,
            )
            Role.DISTRICT_OFFICER -> Capabilities(
                seeAssessments = true, assess = true, refer = true, recordVisits = true,
                resolveConflicts = true, approveLowering = true, assign = true,
            )
            Role.NATIONAL_ANALYST, Role.ADMINISTRATOR -> Capabilities(
                seeAssessments = false, assess = false, refer = false, recordVisits = false,
                resolveConflicts = false, approveLowering = false, assign = false,
            )
        }
    }
}
