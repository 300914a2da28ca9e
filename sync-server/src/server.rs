//! Running the HTTP(S) server: bind, serve until SIGTERM or ctrl-c, then
//! let requests in flight finish (a sync interrupted here would be retried
//! by the device anyway, but finishing it saves the round trip).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum_server::tls_rustls::RustlsConfig;
use axum_server::Handle;

use crate::http::auth::nonce_retention_ms;
use crate::http::{router, AppState, HttpConfig};
use crate::reference::Reference;
use crate::storage::Storage;

/// How long requests in flight may take to finish after a stop signal.
const GRACE: Duration = Duration::from_secs(10);
/// How often forgotten nonces are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot load the TLS certificate or key: {0}")]
    Tls(std::io::Error),
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug, Clone)]
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub async fn serve<S: Storage>(
    storage: S,
    reference: Arc<Reference>,
    listen: SocketAddr,
    tls: Option<Tls>,
    config: HttpConfig,
) -> Result<(), ServeError> {
    let listener = bind(listen)?;
    serve_listener(storage, reference, listener, tls, config).await
}

/// Binds the listening socket. Separate from serving so that a caller
/// (the demo) learns the address, port 0 resolved, before requests come.
pub fn bind(listen: SocketAddr) -> Result<std::net::TcpListener, ServeError> {
    std::net::TcpListener::bind(listen).map_err(|source| ServeError::Bind {
        addr: listen,
        source,
    })
}

/// Serves on an already bound listener until SIGTERM or ctrl-c, as
/// [`serve`] does.
pub async fn serve_listener<S: Storage>(
    storage: S,
    reference: Arc<Reference>,
    listener: std::net::TcpListener,
    tls: Option<Tls>,
    config: HttpConfig,
) -> Result<(), ServeError> {
    let local = listener.local_addr()?;
    let app = router(AppState {
        storage: storage.clone(),
        config: Arc::new(config),
        reference,
        web: crate::web::WebConfig {
            secure_cookies: tls.is_some(),
        },
    });
    let handle: Handle<SocketAddr> = Handle::new();
    tokio::spawn(stop_on_signal(handle.clone()));
    let pruner = tokio::spawn(prune_nonces(storage, config.max_skew_ms));
    let scheme = if tls.is_some() { "https" } else { "http" };
    // Printed on stdout (logs go to stderr) so scripts and tests can learn
    // the port when listening on port 0.
    println!("listening on {scheme}://{local}");
    tracing::info!(%local, scheme, "listening");
    let served = match tls {
        Some(tls) => {
            let config = RustlsConfig::from_pem_file(&tls.cert, &tls.key)
                .await
                .map_err(ServeError::Tls)?;
            axum_server::from_tcp_rustls(listener, config)?
                .handle(handle)
                .serve(app.into_make_service())
                .await
        }
        None => {
            axum_server::from_tcp(listener)?
                .handle(handle)
                .serve(app.into_make_service())
                .await
        }
    };
    pruner.abort();
    served?;
    tracing::info!("stopped");
    Ok(())
}

async fn stop_on_signal(handle: Handle<SocketAddr>) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("stopping: letting requests in flight finish");
    handle.graceful_shutdown(Some(GRACE));
}

async fn prune_nonces<S: Storage>(storage: S, max_skew_ms: i64) {
    let mut every = tokio::time::interval(PRUNE_EVERY);
    loop {
        every.tick().await;
        let before = crate::clock::now_ms().saturating_sub(nonce_retention_ms(max_skew_ms));
        match storage.forget_nonces(before).await {
            Ok(0) => {}
            Ok(forgotten) => tracing::debug!(forgotten, "pruned nonces"),
            Err(error) => tracing::warn!(%error, "cannot prune nonces"),
        }
    }
}
