//! A TLS handshake that records the chain the server sends, whatever it is: checks inspect
//! certificates (issuer, expiry, names) instead of trusting them, so this verifier accepts
//! any chain while still checking the handshake signatures. Same scope guard as HTTP.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::dns::{Dns, Lookup};

/// Records chains rather than judging them; signatures are still verified.
#[derive(Debug)]
struct Inspecting(Arc<CryptoProvider>);

impl ServerCertVerifier for Inspecting {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The certificate chain `host:port` presents (leaf first), within `timeout`.
pub async fn peer_chain(
    dns: &Dns,
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<Vec<CertificateDer<'static>>, String> {
    let ip = match dns.lookup_ip(host).await.map_err(|f| f.to_string())? {
        Lookup::Found(ips) => ips[0],
        Lookup::NoSuchName | Lookup::NoAddress => return Err(format!("{host} does not resolve")),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Inspecting(provider)))
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from(host.to_string()).map_err(|e| e.to_string())?;
    let handshake = async {
        let tcp = tokio::net::TcpStream::connect((ip, port))
            .await
            .map_err(|e| format!("connect {ip}:{port}: {e}"))?;
        let tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS handshake with {host}:{port}: {e}"))?;
        let (_, connection) = tls.get_ref();
        Ok::<_, String>(
            connection
                .peer_certificates()
                .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
                .unwrap_or_default(),
        )
    };
    tokio::time::timeout(timeout, handshake)
        .await
        .map_err(|_| format!("no TLS handshake with {host}:{port} within {timeout:?}"))?
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
