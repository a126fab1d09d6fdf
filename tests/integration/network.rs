//! The one door to the network: the scope guard and where credentials may go.

use std::sync::Arc;

use fixtures::Mode;
use launch_audit::ctx::Ctx;
use launch_audit::net::{HttpError, HttpRequest};
use url::Url;

use crate::support::Setup;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_go_only_to_hosts_the_profile_names() {
    let setup = Setup::start(Mode::Hardened);
    let profile = Arc::new(setup.load());
    let ctx = Ctx::new(profile.clone(), Default::default()).unwrap();
    // Resolvable through the fixture's DNS? No matter: it is not in the profile.
    let stranger = Url::parse(&format!(
        "https://ns1.acme.test:{}/",
        setup.target.https_port()
    ))
    .unwrap();
    let error = ctx
        .http
        .send(&HttpRequest::get(stranger.clone()))
        .await
        .unwrap_err();
    assert!(matches!(error, HttpError::OutOfScope { .. }), "{error}");
    assert!(setup.target.requests().is_empty());

    // What the app's pages load is read there as a browser reads it: an anonymous GET...
    let asset = stranger.join("/assets/app.js").unwrap();
    let read = ctx
        .http
        .send(&HttpRequest::page_asset(asset.clone()))
        .await
        .expect("a page's script is read anonymously wherever it is served");
    assert_eq!(read.status, 200);
    let seen = setup.target.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].host.starts_with("ns1.acme.test") && seen[0].authorization.is_none());
    // ...and nothing more: with a credential, a header of the audit's own, or another
    // method, the same request is a probe and the scope guard refuses it.
    let alice = profile.identities.get("alice");
    let with_identity = HttpRequest::page_asset(asset.clone()).with_identity(alice);
    let with_header =
        HttpRequest::page_asset(asset.clone()).with_header("origin", "https://evil.test".into());
    let mut with_method = HttpRequest::page_asset(asset.clone());
    with_method.method = launch_audit::profile::Method::Post;
    for request in [with_identity, with_header, with_method] {
        let error = ctx.http.send(&request).await.unwrap_err();
        assert!(matches!(error, HttpError::OutOfScope { .. }), "{error}");
    }
    assert_eq!(
        setup.target.requests().len(),
        1,
        "no probe left the profile's hosts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_go_only_to_the_origin_they_belong_to() {
    let setup = Setup::start(Mode::Hardened);
    let profile = Arc::new(setup.load());
    let ctx = Ctx::new(profile.clone(), Default::default()).unwrap();
    let alice = profile.identities.get("alice");
    // acme.test is in scope (canonical), but alice's credential belongs to app.acme.test.
    let other_origin =
        Url::parse(&format!("https://acme.test:{}/", setup.target.https_port())).unwrap();
    let error = ctx
        .http
        .send(&HttpRequest::get(other_origin.clone()).with_identity(alice))
        .await
        .unwrap_err();
    assert!(
        matches!(error, HttpError::CredentialOffOrigin { .. }),
        "{error}"
    );
    // The same origin, without the credential, is fine.
    let response = ctx
        .http
        .send(&HttpRequest::get(other_origin))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert!(
        setup
            .target
            .requests()
            .iter()
            .all(|r| r.authorization.is_none())
    );
}

/// A server that answers a request with a keep-alive response, then closes the connection
/// when the next request arrives on it, without answering: the audit's pooled connection is
/// dead under its request. The GET is sent once more on a fresh connection and answered,
/// and the target's habit is said once, as a cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_the_target_drops_is_retried_once_and_said_once() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                // The first request on this connection is answered, keeping it alive...
                if stream.read(&mut buffer).unwrap_or(0) == 0 {
                    return;
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok",
                );
                // ...and the next one is met with a close, unanswered.
                let _ = stream.read(&mut buffer);
            });
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.toml");
    std::fs::write(
        &path,
        format!(
            "[target]\nname = \"drops connections\"\nbase_url = \"http://127.0.0.1:{port}/\"\nenvironment = \"staging\"\n\n[network]\ntimeout = \"5s\"\n"
        ),
    )
    .unwrap();
    let profile = Arc::new(launch_audit::profile::load(&path, &|_| None).expect("profile"));
    let ctx = Ctx::new(profile, Default::default()).unwrap();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/healthz")).unwrap();
    for _ in 0..3 {
        let response = ctx
            .http
            .send(&HttpRequest::get(url.clone()))
            .await
            .expect("answered, on a fresh connection when the pooled one was dropped");
        assert_eq!(response.status, 200);
    }
    // Said once, however many of the requests met a dropped connection: at least the
    // second does; whether the third reuses the fresh connection before the server
    // closes it is the scheduler's choice (seen: 1 or 2 retries), so the count is not
    // pinned.
    let causes = ctx.http.dropped_connection_causes();
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert!(
        causes[0].contains("closed connections the audit was using (")
            && causes[0].contains("each was sent again and answered"),
        "{causes:?}"
    );
}
