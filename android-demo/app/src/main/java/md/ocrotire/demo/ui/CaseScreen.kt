package md.ocrotire.demo.ui

import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.res.stringResource
import md.ocrotire.demo.R
import md.ocrotire.field.CaseViewModel
import md.ocrotire.field.Capabilities
import md.ocrotire.field.FieldRepository

/** One case, its sections as the role may see them, and where to go next. */
@Composable
fun CaseScreen(repository: FieldRepository, caseId: String, can: Capabilities, open: (String) -> Unit) {
    val model = remember(caseId) { CaseViewModel(repository, caseId) }
    val state by model.state.collectAsState()
    val revision by repository.revision.collectAsState()
    LaunchedEffect(caseId, revision) { model.load() }
    val case = state.case ?: return ErrorLine(state.error)

    Screen(stringResource(R.string.case_title, case.caseNumber)) {
        Text(stringResource(R.string.section_child), style = MaterialTheme.typography.titleMedium)
        Text(listOfNotNull(case.child.givenName, case.child.familyName).joinToString(" ").ifEmpty { case.child.pseudonym })
        case.notification.childWords?.let { Text("«$it»", style = MaterialTheme.typography.bodyLarge) }
        Text(riskLabel(case.currentRisk), color = riskColor(case.currentRisk))
        for (due in case.due) {
            if (due.overdue) Text(stringResource(R.string.overdue) + ": " + shortTime(due.due), color = MaterialTheme.colorScheme.error)
        }
        if (can.seeAssessments) {
            Text(stringResource(R.string.section_assessments), style = MaterialTheme.typography.titleMedium)
            for (assessment in case.assessments) {
                Text("${riskLabel(assessment.score?.finalLevel)} · ${assessment.score?.explanation ?: ""}")
            }
            if (can.assess) Button({ open("assessment") }) { Text(stringResource(R.string.assessment_title)) }
        }
        Text(stringResource(R.string.section_referrals), style = MaterialTheme.typography.titleMedium)
        for (referral in case.referrals) {
            Text("${referral.serviceType.name.lowercase()} · ${statusLabel(referral.status)}")
        }
        if (can.refer) OutlinedButton({ open("referrals") }) { Text(stringResource(R.string.referral_title)) }
        Text(stringResource(R.string.section_follow_ups), style = MaterialTheme.typography.titleMedium)
        for (visit in case.followUps) Text("${visit.date} · ${visit.summary ?: ""}")
        if (can.recordVisits) OutlinedButton({ open("follow-up") }) { Text(stringResource(R.string.follow_up_title)) }
        ErrorLine(state.error)
    }
}
