package md.ocrotire.demo.ui

import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.Checkbox
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.res.stringResource
import kotlinx.coroutines.launch
import md.ocrotire.demo.R
import md.ocrotire.field.FieldRepository
import md.ocrotire.field.ReferralViewModel
import md.ocrotire.field.SettingsViewModel
import uniffi.ocrotire.ReferralEventKind
import uniffi.ocrotire.ReferralStatus
import uniffi.ocrotire.ServiceType

/** A referral from the service directory, with its minimal packet and status timeline. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun ReferralScreen(repository: FieldRepository, caseId: String, settings: SettingsViewModel) {
    val model = remember(caseId) { ReferralViewModel(repository, caseId, settings.language) }
    val state by model.state.collectAsState()
    val scope = rememberCoroutineScope()
    var serviceId by remember { mutableStateOf<String?>(null) }
    LaunchedEffect(caseId) { model.load() }

    Screen(stringResource(R.string.referral_title)) {
        for (card in state.referrals) {
            Card {
                Text("${card.serviceName ?: card.serviceType.name.lowercase()} · ${statusLabel(card.status)}",
                    style = MaterialTheme.typography.titleMedium)
                card.acknowledgeBy?.let { Text(stringResource(R.string.acknowledge_by, shortTime(it))) }
                if (card.overdue) Text(stringResource(R.string.referral_overdue), color = MaterialTheme.colorScheme.error)
                Text(stringResource(R.string.status_timeline), style = MaterialTheme.typography.labelLarge)
                for (entry in card.timeline) Text("${shortTime(entry.at)} · ${entry.event.javaClass.simpleName} · ${entry.by}")
                if (card.status == ReferralStatus.Sent) {
                    OutlinedButton({ scope.launch { model.record(card.id, ReferralEventKind.Acknowledged) } }) {
                        Text(stringResource(R.string.status_acknowledged))
                    }
                }
            }
        }
        Text(stringResource(R.string.choose_service_type), style = MaterialTheme.typography.titleMedium)
        FlowRow {
            for (type in ServiceType.entries) {
                FilterChip(state.serviceType == type, { scope.launch { model.choose(type) } },
                    label = { Text(type.name.lowercase().replace('_', ' ')) })
            }
        }
        if (state.services.isNotEmpty()) Text(stringResource(R.string.choose_service), style = MaterialTheme.typography.titleMedium)
        for (service in state.services) {
            FilterChip(serviceId == service.id, { serviceId = service.id },
                label = { Text("${service.name} · ${service.hours}") })
        }
        state.packet?.let { packet ->
            Text(stringResource(R.string.packet_title), style = MaterialTheme.typography.titleMedium)
            Text("${stringResource(R.string.packet_age_band)}: ${packet.ageBand} · ${riskLabel(packet.riskLevel)}")
            OutlinedTextField(packet.safetyInstructions ?: "", { text -> model.editPacket { it.copy(safetyInstructions = text) } },
                label = { Text(stringResource(R.string.packet_safety)) })
            OutlinedTextField(packet.contactPerson ?: "", { text -> model.editPacket { it.copy(contactPerson = text) } },
                label = { Text(stringResource(R.string.packet_contact)) })
            Row {
                Checkbox(packet.consentObtained, null)
                Text(stringResource(R.string.packet_consent))
            }
            Button({ scope.launch { model.send(serviceId) } }) { Text(stringResource(R.string.send_referral)) }
        }
        ErrorLine(state.error)
    }
}
