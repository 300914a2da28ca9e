//! Where the platform secret comes from. The store key is wrapped under
//! the PIN *and* a secret the platform keeps (Android Keystore, the iOS
//! Keychain), so a copied store file cannot be brute-forced off the
//! device. The app implements [`KeyProvider`]; the core never sees more
//! than the bytes it returns, and only while creating or unlocking.

use std::sync::Arc;

/// Implemented by the app. Return the same bytes (16 to 1,024; 32 is plenty) every
/// time for the life of the store: generate them once, keep them under a
/// non-exportable platform key, and hand them over after the platform has
/// authenticated the user if it requires that.
#[uniffi::export(with_foreign)]
pub trait KeyProvider: Send + Sync {
    fn platform_secret(&self) -> Result<Vec<u8>, KeyProviderError>;
}

#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum KeyProviderError {
    /// The platform refused or lost the key (user not authenticated,
    /// keystore reset after a lock-screen change...).
    #[error("the platform key is unavailable: {reason}")]
    Unavailable { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeyProviderError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        KeyProviderError::Unavailable { reason: e.reason }
    }
}

/// A provider holding its secret in memory: for tests and scripts, never
/// for a device (the secret would sit next to the store it protects).
#[derive(uniffi::Object)]
pub struct InMemoryKeyProvider {
    secret: Vec<u8>,
}

#[uniffi::export]
impl InMemoryKeyProvider {
    #[uniffi::constructor]
    pub fn new(secret: Vec<u8>) -> Arc<Self> {
        Arc::new(InMemoryKeyProvider { secret })
    }
}

#[uniffi::export]
impl KeyProvider for InMemoryKeyProvider {
    fn platform_secret(&self) -> Result<Vec<u8>, KeyProviderError> {
        Ok(self.secret.clone())
    }
}
