package md.ocrotire.demo.ui

import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import kotlinx.coroutines.launch
import md.ocrotire.demo.R
import md.ocrotire.field.PinProblem
import md.ocrotire.field.UnlockState
import md.ocrotire.field.UnlockViewModel
import uniffi.ocrotire.DeviceUser
import uniffi.ocrotire.Role

/** PIN unlock with lockout feedback, or the set-up form on first use. */
@Composable
fun UnlockScreen(model: UnlockViewModel) {
    val state by model.state.collectAsState()
    val scope = rememberCoroutineScope()
    var pin by remember { mutableStateOf("") }
    var repeated by remember { mutableStateOf("") }
    var userId by remember { mutableStateOf("") }
    var district by remember { mutableStateOf("") }
    var role by remember { mutableStateOf(Role.SOCIAL_ASSISTANT) }
    val setUp = state == UnlockState.NeedsSetup || state is UnlockState.InvalidPin

    Screen(stringResource(if (setUp) R.string.setup_title else R.string.unlock_title)) {
        if (setUp) {
            OutlinedTextField(userId, { userId = it }, label = { Text(stringResource(R.string.setup_user_id)) })
            OutlinedTextField(district, { district = it }, label = { Text(stringResource(R.string.setup_district)) })
            Row {
                for (choice in listOf(Role.COMMUNITY_MEDIATOR, Role.SOCIAL_ASSISTANT, Role.DISTRICT_OFFICER)) {
                    FilterChip(role == choice, { role = choice }, label = { Text(roleLabel(choice)) })
                }
            }
        }
        PinField(pin, stringResource(if (setUp) R.string.setup_pin else R.string.unlock_title)) { pin = it }
        if (setUp) PinField(repeated, stringResource(R.string.setup_pin_repeat)) { repeated = it }
        when (val s = state) {
            is UnlockState.WrongPin -> Text(
                s.attemptsLeft?.let { stringResource(R.string.unlock_wrong_pin, it.toInt()) }
                    ?: stringResource(R.string.unlock_wrong_pin_no_wipe),
                color = MaterialTheme.colorScheme.error,
            )
            is UnlockState.Throttled ->
                Text(stringResource(R.string.unlock_throttled, s.retryAfterSecs.toInt()), color = MaterialTheme.colorScheme.error)
            is UnlockState.InvalidPin -> Text(stringResource(pinProblem(s.problem)), color = MaterialTheme.colorScheme.error)
            is UnlockState.Failed -> Text(stringResource(R.string.unlock_failed, s.error.message ?: ""), color = MaterialTheme.colorScheme.error)
            UnlockState.Working -> CircularProgressIndicator()
            else -> {}
        }
        Button(
            enabled = state != UnlockState.Working && state !is UnlockState.Throttled,
            onClick = {
                scope.launch {
                    if (setUp) model.setUp(DeviceUser(userId.trim(), role, district.trim()), pin, repeated)
                    else model.unlock(pin)
                    pin = ""
                    repeated = ""
                }
            },
        ) { Text(stringResource(if (setUp) R.string.setup_create else R.string.unlock_button)) }
    }
}

@Composable
private fun PinField(value: String, label: String, onChange: (String) -> Unit) = OutlinedTextField(
    value, onChange,
    label = { Text(label) },
    visualTransformation = PasswordVisualTransformation(),
    keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.NumberPassword),
    singleLine = true,
)

private fun pinProblem(problem: PinProblem) = when (problem) {
    PinProblem.TOO_SHORT -> R.string.pin_too_short
    PinProblem.NOT_DIGITS -> R.string.pin_not_digits
    PinProblem.MISMATCH -> R.string.pin_mismatch
}

@Composable
fun roleLabel(role: Role): String = stringResource(
    when (role) {
        Role.COMMUNITY_MEDIATOR -> R.string.role_community_mediator
        Role.DISTRICT_OFFICER -> R.string.role_district_officer
        else -> R.string.role_social_assistant
    },
)
