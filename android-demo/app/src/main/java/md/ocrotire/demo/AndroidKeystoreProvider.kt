package md.ocrotire.demo

import android.content.SharedPreferences
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.util.Base64
import java.security.GeneralSecurityException
import java.security.KeyStore
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import uniffi.ocrotire.KeyProvider
import uniffi.ocrotire.KeyProviderException

/**
 * The platform secret behind the caseload's key: 32 random bytes made once,
 * kept encrypted under a non-exportable Android Keystore AES key. A copied
 * store file is useless without this device's Keystore.
 */
class AndroidKeystoreProvider(private val prefs: SharedPreferences) : KeyProvider {

    override fun platformSecret(): ByteArray = try {
        val key = keystoreKey()
        val wrapped = prefs.getString(WRAPPED, null)
        if (wrapped == null) wrapNew(key) else unwrap(key, Base64.decode(wrapped, Base64.NO_WRAP))
    } catch (e: GeneralSecurityException) {
        throw KeyProviderException.Unavailable(e.javaClass.simpleName)
    }

    private fun wrapNew(key: SecretKey): ByteArray {
        val secret = ByteArray(SECRET_BYTES).also { SecureRandom().nextBytes(it) }
        val cipher = Cipher.getInstance(TRANSFORMATION).apply { init(Cipher.ENCRYPT_MODE, key) }
        val sealed = cipher.iv + cipher.doFinal(secret)
        prefs.edit().putString(WRAPPED, Base64.encodeToString(sealed, Base64.NO_WRAP)).commit()
        return secret
    }

    private fun unwrap(key: SecretKey, sealed: ByteArray): ByteArray {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BITS, sealed, 0, IV_BYTES))
        return cipher.doFinal(sealed, IV_BYTES, sealed.size - IV_BYTES)
    }

    private fun keystoreKey(): SecretKey {
        val keyStore = KeyStore.getInstance(KEYSTORE).apply { load(null) }
        (keyStore.getKey(ALIAS, null) as SecretKey?)?.let { return it }
        val spec = KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE).apply { init(spec) }.generateKey()
    }

    private companion object {
        const val KEYSTORE = "AndroidKeyStore"
        const val ALIAS = "ocrotire-platform-secret"
        const val WRAPPED = "platform-secret-wrapped"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val SECRET_BYTES = 32
        const val IV_BYTES = 12
        const val TAG_BITS = 128
    }
}
