package md.ocrotire.demo.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import java.text.DateFormat
import java.time.Instant
import java.util.Date
import md.ocrotire.demo.R
import uniffi.ocrotire.OcrotireException
import uniffi.ocrotire.ReferralStatus
import uniffi.ocrotire.RiskLevel

/** A titled, scrolling column: the frame of every form screen. */
@Composable
fun Screen(title: String, content: @Composable ColumnScope.() -> Unit) {
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text(title, style = MaterialTheme.typography.headlineSmall)
        content()
    }
}

@Composable
fun ErrorLine(error: OcrotireException?) {
    if (error != null) Text(error.message ?: error.javaClass.simpleName, color = MaterialTheme.colorScheme.error)
}

@Composable
fun riskLabel(level: RiskLevel?): String = stringResource(
    when (level) {
        RiskLevel.LOW -> R.string.risk_low
        RiskLevel.MEDIUM -> R.string.risk_medium
        RiskLevel.HIGH -> R.string.risk_high
        RiskLevel.IMMINENT -> R.string.risk_imminent
        null -> R.string.risk_none
    },
)

fun riskColor(level: RiskLevel?): Color = when (level) {
    RiskLevel.IMMINENT -> Color(0xFFB71C1C)
    RiskLevel.HIGH -> Color(0xFFE65100)
    RiskLevel.MEDIUM -> Color(0xFFF9A825)
    RiskLevel.LOW -> Color(0xFF2E7D32)
    null -> Color.Gray
}

@Composable
fun statusLabel(status: ReferralStatus): String = stringResource(
    when (status) {
        ReferralStatus.Draft -> R.string.status_draft
        ReferralStatus.Sent -> R.string.status_sent
        ReferralStatus.Acknowledged -> R.string.status_acknowledged
        ReferralStatus.Accepted -> R.string.status_accepted
        ReferralStatus.Declined -> R.string.status_declined
        ReferralStatus.Redirected -> R.string.status_redirected
        ReferralStatus.ServiceStarted -> R.string.status_service_started
        ReferralStatus.CompletedSuccessfully -> R.string.status_completed_ok
        ReferralStatus.CompletedUnsuccessfully -> R.string.status_completed_not_ok
        ReferralStatus.Withdrawn -> R.string.status_withdrawn
        is ReferralStatus.Contradictory -> R.string.status_contradictory
    },
)

/** Date and time in the device's locale and time zone. */
fun shortTime(instant: Instant): String =
    DateFormat.getDateTimeInstance(DateFormat.SHORT, DateFormat.SHORT).format(Date(instant.toEpochMilli()))
