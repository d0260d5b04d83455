//! `pyssl::tokio` (feature `tokio`): async handshakes keep pyssl's verification, hostname
//! and error semantics. Run with `cargo test --features tokio --test tokio_connect`.

use std::net::TcpListener;
use std::sync::Arc;

use pyssl_testsupport::certs::{self, Spec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A self-signed `localhost` certificate (its own CA) in `cert.pem`, its key in `key.pem`.
fn self_signed(dir: &std::path::Path) -> (String, String) {
    let anchor = certs::self_signed(&Spec::localhost_anchor());
    let (certfile, keyfile) = (dir.join("cert.pem"), dir.join("key.pem"));
    certs::write_pem(&certfile, &[&anchor.cert], None);
    certs::write_pem(&keyfile, &[], Some(&anchor.key));
    (
        certfile.to_string_lossy().into_owned(),
        keyfile.to_string_lossy().into_owned(),
    )
}

#[tokio::test(flavor = "current_thread")]
async fn async_connect_verifies_like_cpython() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let server = Arc::new(pyssl::create_default_context(pyssl::Purpose::CLIENT_AUTH).unwrap());
    server
        .load_cert_chain(cert.as_ref(), Some(key.as_ref()), None)
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let srv = std::thread::spawn(move || {
        for _ in 0..2 {
            let (sock, _) = listener.accept().unwrap();
            if let Ok(mut s) = server.wrap_socket(sock, true, None) {
                s.sendall(b"hi").unwrap();
            }
        }
    });
    let opts = pyssl::CreateOptions {
        cafile: Some(cert.as_ref()),
        ..Default::default()
    };
    let ctx =
        Arc::new(pyssl::create_default_context_with(pyssl::Purpose::SERVER_AUTH, opts).unwrap());
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut tls = pyssl::tokio::connect(&ctx, tcp, Some("localhost"))
        .await
        .unwrap();
    let mut buf = [0u8; 2];
    tls.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"hi");
    tls.shutdown().await.ok();

    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let e = pyssl::tokio::connect(&ctx, tcp, Some("example.com"))
        .await
        .unwrap_err();
    assert_eq!(e.python_type(), "SSLCertVerificationError");
    assert_eq!(
        e.python_str(),
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, \
         certificate is not valid for 'example.com'."
    );
    assert_eq!(e.verify_code(), Some(62));
    srv.join().unwrap();
}
