//! Asks a server whether it still speaks TLS 1.0 or 1.1, which rustls cannot: a ClientHello
//! built by hand (RFC 2246 / RFC 4346 layout, the cipher suites and extensions clients of
//! that era sent) goes out on a raw TCP socket, and the first record back is read — a
//! ServerHello naming the version means accepted; an alert, a different version or a
//! closed connection means refused.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::dns::Dns;

/// A protocol version below TLS 1.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legacy {
    Tls10,
    Tls11,
}

impl Legacy {
    pub fn wire(self) -> [u8; 2] {
        match self {
            Legacy::Tls10 => [3, 1],
            Legacy::Tls11 => [3, 2],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Legacy::Tls10 => "TLS 1.0",
            Legacy::Tls11 => "TLS 1.1",
        }
    }
}

/// What the server answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A ServerHello choosing the version offered.
    Accepted,
    /// An alert, a ServerHello for another version, or the connection closed.
    Refused(String),
    /// Bytes that are not a TLS answer.
    Unrecognised(String),
}

/// ECDHE, DHE and RSA key exchange with AES-CBC and 3DES: what TLS 1.0/1.1 servers offer.
const CIPHER_SUITES: &[u16] = &[
    0xc014, 0xc013, 0xc00a, 0xc009, 0x0039, 0x0033, 0x0035, 0x002f, 0x000a,
];

/// The ClientHello record offering exactly `version`, with SNI `host` and `random`.
pub fn client_hello(version: Legacy, host: &str, random: [u8; 32]) -> Vec<u8> {
    let mut extensions = Vec::new();
    if !host.is_empty() && host.parse::<std::net::IpAddr>().is_err() {
        let name = host.as_bytes();
        let mut sni = Vec::new();
        sni.extend_from_slice(&u16_be(name.len() + 3));
        sni.push(0); // host_name
        sni.extend_from_slice(&u16_be(name.len()));
        sni.extend_from_slice(name);
        extension(&mut extensions, 0x0000, &sni);
    }
    // supported_groups: x25519, secp256r1, secp384r1.
    extension(
        &mut extensions,
        0x000a,
        &[0, 6, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18],
    );
    // ec_point_formats: uncompressed.
    extension(&mut extensions, 0x000b, &[1, 0]);
    // renegotiation_info, empty (RFC 5746).
    extension(&mut extensions, 0xff01, &[0]);

    let mut body = Vec::new();
    body.extend_from_slice(&version.wire());
    body.extend_from_slice(&random);
    body.push(0); // no session id
    body.extend_from_slice(&u16_be(CIPHER_SUITES.len() * 2));
    for suite in CIPHER_SUITES {
        body.extend_from_slice(&suite.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null only
    body.extend_from_slice(&u16_be(extensions.len()));
    body.extend_from_slice(&extensions);

    let mut handshake = vec![1]; // client_hello
    handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);

    let mut record = vec![22]; // handshake
    record.extend_from_slice(&Legacy::Tls10.wire());
    record.extend_from_slice(&u16_be(handshake.len()));
    record.extend_from_slice(&handshake);
    record
}

fn extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&u16_be(data.len()));
    out.extend_from_slice(data);
}

fn u16_be(n: usize) -> [u8; 2] {
    (n as u16).to_be_bytes()
}

/// Reads the server's first record: `Ok(None)` means more bytes are needed.
pub fn parse_reply(bytes: &[u8], offered: Legacy) -> Option<Reply> {
    let header = bytes.get(..5)?;
    let (kind, length) = (
        header[0],
        u16::from_be_bytes([header[3], header[4]]) as usize,
    );
    let body = &bytes[5..];
    match kind {
        21 => {
            let alert = body.get(..2)?;
            Some(Reply::Refused(format!(
                "alert {} ({})",
                alert[1],
                alert_name(alert[1])
            )))
        }
        22 => {
            // handshake type (1), length (3), server_version (2)
            let hello = body.get(..6)?;
            if hello[0] != 2 {
                return Some(Reply::Unrecognised(format!(
                    "handshake message {} where a ServerHello belongs",
                    hello[0]
                )));
            }
            let chosen = [hello[4], hello[5]];
            Some(if chosen == offered.wire() {
                Reply::Accepted
            } else {
                Reply::Refused(format!(
                    "ServerHello for version {}.{} instead",
                    chosen[0], chosen[1]
                ))
            })
        }
        _ if length > 0 => Some(Reply::Unrecognised(format!(
            "record type {kind}, not a TLS handshake or alert"
        ))),
        _ => Some(Reply::Unrecognised("an empty record".into())),
    }
}

fn alert_name(code: u8) -> &'static str {
    match code {
        40 => "handshake_failure",
        47 => "illegal_parameter",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        112 => "unrecognized_name",
        _ => "other",
    }
}

/// Offers `version` to `host:port` and reports the answer. `Err` when no TCP connection
/// or no answer came within `timeout`.
pub async fn probe(
    dns: &Dns,
    host: &str,
    port: u16,
    version: Legacy,
    timeout: Duration,
) -> Result<Reply, String> {
    let ip = super::tls::resolve(dns, host).await?;
    let random = random_bytes();
    let attempt = async {
        let mut tcp = tokio::net::TcpStream::connect((ip, port))
            .await
            .map_err(|e| format!("connect {ip}:{port}: {e}"))?;
        tcp.write_all(&client_hello(version, host, random))
            .await
            .map_err(|e| format!("send ClientHello: {e}"))?;
        // The answer's first record decides; 64 bytes hold any alert or ServerHello start.
        let mut received = Vec::new();
        let mut buffer = [0u8; 64];
        loop {
            match tcp.read(&mut buffer).await {
                Ok(0) if received.is_empty() => {
                    return Ok(Reply::Refused("closed the connection".into()));
                }
                Ok(0) => return Ok(Reply::Unrecognised("a truncated record".into())),
                Err(error) if received.is_empty() => {
                    return Ok(Reply::Refused(format!("reset the connection ({error})")));
                }
                Err(error) => return Err(format!("read: {error}")),
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
            if let Some(reply) = parse_reply(&received, version) {
                return Ok(reply);
            }
            if received.len() >= 64 {
                return Ok(Reply::Unrecognised(
                    "no TLS record in the first 64 bytes".into(),
                ));
            }
        }
    };
    tokio::time::timeout(timeout, attempt).await.map_err(|_| {
        format!(
            "no answer to a {} ClientHello within {timeout:?}",
            version.name()
        )
    })?
}

fn random_bytes() -> [u8; 32] {
    let mut random = [0u8; 32];
    // A fixed random would work as well; the system's keeps the probe indistinguishable.
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random);
    random
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hello_lengths_are_consistent() {
        let hello = client_hello(Legacy::Tls11, "app.acme.test", [7; 32]);
        assert_eq!(hello[0], 22);
        let record_len = u16::from_be_bytes([hello[3], hello[4]]) as usize;
        assert_eq!(record_len, hello.len() - 5);
        let handshake_len = u32::from_be_bytes([0, hello[6], hello[7], hello[8]]) as usize;
        assert_eq!(handshake_len, hello.len() - 9);
        assert_eq!(&hello[9..11], &[3, 2], "client_version is TLS 1.1");
        assert!(
            hello.windows(13).any(|w| w == b"app.acme.test"),
            "SNI carries the host"
        );
    }

    #[test]
    fn replies_are_classified() {
        let alert = [21, 3, 1, 0, 2, 2, 70];
        assert_eq!(
            parse_reply(&alert, Legacy::Tls10),
            Some(Reply::Refused("alert 70 (protocol_version)".into()))
        );
        let hello = [22, 3, 1, 0, 50, 2, 0, 0, 46, 3, 1];
        assert_eq!(parse_reply(&hello, Legacy::Tls10), Some(Reply::Accepted));
        assert!(matches!(
            parse_reply(&hello, Legacy::Tls11),
            Some(Reply::Refused(_))
        ));
        assert_eq!(parse_reply(&hello[..7], Legacy::Tls10), None, "needs more");
        assert!(matches!(
            parse_reply(b"HTTP/1.1 400 Bad Request\r\n", Legacy::Tls10),
            Some(Reply::Unrecognised(_))
        ));
    }
}
