package md.ocrotire.demo

import android.os.Bundle
import androidx.activity.compose.setContent
import androidx.appcompat.app.AppCompatActivity
import androidx.compose.material3.MaterialTheme
import md.ocrotire.demo.ui.OcrotireNavHost

/** One activity; every screen is a Compose destination. */
class MainActivity : AppCompatActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val app = application as OcrotireApp
        setContent {
            MaterialTheme {
                OcrotireNavHost(app.repository, app.settings)
            }
        }
    }

    /** The keys leave memory when the app leaves the screen. */
    override fun onStop() {
        super.onStop()
        if (!isChangingConfigurations) (application as OcrotireApp).repository.lock()
    }
}
