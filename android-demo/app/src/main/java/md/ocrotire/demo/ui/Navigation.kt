package md.ocrotire.demo.ui

import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Icon
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.List
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material.icons.filled.Settings
import androidx.compose.material.icons.filled.Warning
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.rememberNavController
import md.ocrotire.demo.R
import md.ocrotire.field.Capabilities
import md.ocrotire.field.FieldRepository
import md.ocrotire.field.SettingsViewModel
import md.ocrotire.field.UnlockState
import md.ocrotire.field.UnlockViewModel

/**
 * Unlock first; then a bottom bar whose entries depend on the role: a
 * mediator files notifications and syncs, a professional also resolves
 * conflicts and opens assessments, referrals and visits from a case.
 */
@Composable
fun OcrotireNavHost(repository: FieldRepository, settings: SettingsViewModel) {
    val unlock = remember { UnlockViewModel(repository) }
    var capabilities by remember { mutableStateOf<Capabilities?>(null) }
    val state by unlock.state.collectAsState()
    // The activity locks the caseload when it leaves the screen.
    val unlocked by repository.unlocked.collectAsState()

    if (state != UnlockState.Unlocked || !unlocked) {
        UnlockScreen(unlock)
        return
    }
    LaunchedEffect(Unit) {
        capabilities = Capabilities.of(repository.read { it.user().role })
    }
    val can = capabilities ?: return
    val nav = rememberNavController()
    Scaffold(
        bottomBar = {
            NavigationBar {
                NavigationBarItem(false, { nav.navigate("cases") }, { Icon(Icons.Filled.List, null) },
                    label = { Text(stringResource(R.string.caseload_title)) })
                NavigationBarItem(false, { nav.navigate("notification") }, { Icon(Icons.Filled.Add, null) },
                    label = { Text(stringResource(R.string.new_notification)) })
                if (can.resolveConflicts) {
                    NavigationBarItem(false, { nav.navigate("conflicts") }, { Icon(Icons.Filled.Warning, null) },
                        label = { Text(stringResource(R.string.conflicts_title)) })
                }
                NavigationBarItem(false, { nav.navigate("sync") }, { Icon(Icons.Filled.Refresh, null) },
                    label = { Text(stringResource(R.string.sync_title)) })
                NavigationBarItem(false, { nav.navigate("settings") }, { Icon(Icons.Filled.Settings, null) },
                    label = { Text(stringResource(R.string.settings_title)) })
            }
        },
    ) { padding ->
        NavHost(nav, startDestination = "cases", modifier = Modifier.padding(padding)) {
            composable("cases") { CaseListScreen(repository) { id -> nav.navigate("case/$id") } }
            composable("notification") { NotificationScreen(repository) { id -> nav.navigate("case/$id") } }
            composable("case/{id}") { entry ->
                val id = entry.arguments?.getString("id") ?: return@composable
                CaseScreen(repository, id, can, open = { route -> nav.navigate("$route/$id") })
            }
            composable("assessment/{id}") { entry ->
                entry.arguments?.getString("id")?.let { AssessmentScreen(repository, it, settings) }
            }
            composable("referrals/{id}") { entry ->
                entry.arguments?.getString("id")?.let { ReferralScreen(repository, it, settings) }
            }
            composable("follow-up/{id}") { entry ->
                entry.arguments?.getString("id")?.let { FollowUpScreen(repository, it) }
            }
            composable("conflicts") { ConflictsScreen(repository) }
            composable("sync") { SyncScreen(repository) }
            composable("settings") { SettingsScreen(settings) }
        }
    }
}
