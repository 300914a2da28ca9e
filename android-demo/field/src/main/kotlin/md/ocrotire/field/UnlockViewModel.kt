package md.ocrotire.field

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.ocrotire.DeviceUser
import uniffi.ocrotire.OcrotireException

/** What the PIN screen shows. */
sealed interface UnlockState {
    /** No caseload on this device yet: show the set-up form. */
    data object NeedsSetup : UnlockState
    data object Locked : UnlockState
    data object Working : UnlockState
    /** `attemptsLeft` before the device wipes itself; null if it never does. */
    data class WrongPin(val attemptsLeft: UInt?) : UnlockState
    /** Too many failures: a countdown, no attempt possible meanwhile. */
    data class Throttled(val retryAfterSecs: ULong) : UnlockState
    /** The pins differ or are too short: nothing was created. */
    data class InvalidPin(val problem: PinProblem) : UnlockState
    data class Failed(val error: OcrotireException) : UnlockState
    data object Unlocked : UnlockState
}

enum class PinProblem { TOO_SHORT, NOT_DIGITS, MISMATCH }

/** The PIN screen: set-up on first use, unlock afterwards, with lockout feedback. */
class UnlockViewModel(private val repository: FieldRepository) {
    private val current = MutableStateFlow(
        if (repository.exists()) UnlockState.Locked else UnlockState.NeedsSetup,
    )
    val state: StateFlow<UnlockState> = current.asStateFlow()

    /** Creates the caseload for the user the district office enrolled. */
    suspend fun setUp(user: DeviceUser, pin: String, repeated: String) {
        val problem = pinProblem(pin, repeated)
        if (problem != null) {
            current.value = UnlockState.InvalidPin(problem)
            return
        }
        attempt { repository.create(pin, user) }
    }

    suspend fun unlock(pin: String) = attempt { repository.unlock(pin) }

    fun lock() {
        repository.lock()
        current.value = UnlockState.Locked
    }

    private suspend fun attempt(action: suspend () -> Unit) {
        current.value = UnlockState.Working
        current.value = try {
            action()
            UnlockState.Unlocked
        } catch (e: OcrotireException.WrongPin) {
            UnlockState.WrongPin(e.attemptsLeft)
        } catch (e: OcrotireException.Throttled) {
            UnlockState.Throttled(e.retryAfterSecs)
        } catch (e: OcrotireException) {
            UnlockState.Failed(e)
        }
    }

    companion object {
        const val MIN_PIN_LENGTH = 6

        fun pinProblem(pin: String, repeated: String): PinProblem? = when {
            pin.length < MIN_PIN_LENGTH -> PinProblem.TOO_SHORT
            !pin.all { it.isDigit() } -> PinProblem.NOT_DIGITS
            pin != repeated -> PinProblem.MISMATCH
            else -> null
        }
    }
}
