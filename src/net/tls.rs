//! A TLS handshake that records the chain the server sends, whatever it is: checks inspect
//! certificates (issuer, expiry, names) instead of trusting them, so this verifier accepts
//! any chain while still checking the handshake signatures. Same scope guard as HTTP.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::dns::{Dns, Lookup};

/// Records chains rather than judging them; signatures are still verified. The chain is kept
/// even when the handshake fails afterwards (a key or signature rustls refuses).
#[derive(Debug)]
struct Inspecting {
    provider: Arc<CryptoProvider>,
    seen: Arc<Mutex<Vec<CertificateDer<'static>>>>,
    /// Off for protocol probes: whether a version is spoken does not depend on whether we
    /// like the server's key (a 1024-bit RSA key fails ring's checks).
    verify_signatures: bool,
}

impl ServerCertVerifier for Inspecting {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|c| c.clone().into_owned())
                .collect();
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if !self.verify_signatures {
            return Ok(HandshakeSignatureValid::assertion());
        }
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if !self.verify_signatures {
            return Ok(HandshakeSignatureValid::assertion());
        }
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// What one TLS handshake showed.
#[derive(Clone, Debug)]
pub struct Handshake {
    /// The chain the server sent, leaf first (empty if it never got that far).
    pub chain: Vec<CertificateDer<'static>>,
    /// The version agreed, when the handshake completed.
    pub version: Option<rustls::ProtocolVersion>,
    /// Why the handshake failed, when it did (an alert, a closed connection).
    pub failure: Option<String>,
}

/// Which versions a handshake offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offer {
    /// TLS 1.2 and 1.3, as a browser, verifying handshake signatures.
    Modern,
    /// Protocol probes: one version, signatures not judged.
    Tls13Only,
    Tls12Only,
}

/// A TLS handshake with `host:port` (SNI = host), offering `offer`. `Err` when no TLS
/// conversation happened at all (name, connect, timeout); a refused handshake is `Ok` with
/// its `failure`.
pub async fn handshake(
    dns: &Dns,
    host: &str,
    port: u16,
    timeout: Duration,
    offer: Offer,
) -> Result<Handshake, String> {
    let ip = resolve(dns, host).await?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = match offer {
        Offer::Modern => rustls::DEFAULT_VERSIONS,
        Offer::Tls13Only => &[&rustls::version::TLS13],
        Offer::Tls12Only => &[&rustls::version::TLS12],
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Inspecting {
            provider,
            seen: seen.clone(),
            verify_signatures: offer == Offer::Modern,
        }))
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from(host.to_string()).map_err(|e| e.to_string())?;
    let attempt = async {
        let tcp = tokio::net::TcpStream::connect((ip, port))
            .await
            .map_err(|e| format!("connect {ip}:{port}: {e}"))?;
        Ok::<_, String>(match connector.connect(name, tcp).await {
            Ok(tls) => (tls.get_ref().1.protocol_version(), None),
            Err(error) => (None, Some(error.to_string())),
        })
    };
    let (version, failure) = tokio::time::timeout(timeout, attempt)
        .await
        .map_err(|_| format!("no TLS handshake with {host}:{port} within {timeout:?}"))??;
    let chain = seen.lock().map(|c| c.clone()).unwrap_or_default();
    Ok(Handshake {
        chain,
        version,
        failure,
    })
}

/// The first address of `host`.
pub(crate) async fn resolve(dns: &Dns, host: &str) -> Result<std::net::IpAddr, String> {
    if let Ok(ip) = host.trim_matches(['[', ']']).parse() {
        return Ok(ip);
    }
    match dns.lookup_ip(host).await.map_err(|f| f.to_string())? {
        Lookup::Found(ips) => Ok(ips[0]),
        Lookup::NoSuchName | Lookup::NoAddress => Err(format!("{host} does not resolve")),
    }
}

/// The certificate chain `host:port` presents (leaf first), within `timeout`.
pub async fn peer_chain(
    dns: &Dns,
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<Vec<CertificateDer<'static>>, String> {
    let handshake = handshake(dns, host, port, timeout, Offer::Modern).await?;
    match (handshake.chain.is_empty(), handshake.failure) {
        (true, Some(failure)) => Err(format!("TLS handshake with {host}:{port}: {failure}")),
        (true, None) => Err(format!("{host}:{port} sent no certificate")),
        (false, _) => Ok(handshake.chain),
    }
}

/// The Mozilla roots plus the profile's `ca_file`: what the HTTP client and the certificate
/// check trust.
pub fn trust_store(profile: &crate::profile::Profile) -> Result<rustls::RootCertStore, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in &profile.network.extra_roots {
        roots
            .add(cert.clone())
            .map_err(|e| format!("network.ca_file: unusable certificate: {e}"))?;
    }
    Ok(roots)
}

/// The issuer's organisation and common name, for messages and CAA matching.
pub fn issuer_names(der: &CertificateDer<'_>) -> Vec<String> {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return Vec::new();
    };
    let issuer = cert.issuer();
    issuer
        .iter_organization()
        .chain(issuer.iter_common_name())
        .filter_map(|attribute| attribute.as_str().ok().map(str::to_string))
        .collect()
}
