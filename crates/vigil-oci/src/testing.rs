//! Test support (feature `test-support`): a real registry for tests of this and other crates.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `docker-registry` on 127.0.0.1 holding the test image as `vigil/debian:1.0`;
/// stopped when dropped.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Its configuration and storage.
    pub dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The switch that makes a missing registry a failure outside CI too (scripts/test sets it).
pub const REQUIRE_REGISTRY: &str = "VIGIL_REQUIRE_REGISTRY";

/// A missing registry, through the shared gate (`vigil_testkit`): a failure naming `why` in
/// CI or with `VIGIL_REQUIRE_REGISTRY=1`, otherwise a test reported as skipped.
#[track_caller]
fn skip<T>(why: &str) -> Option<T> {
    vigil_testkit::missing_with_switch(
        Some(REQUIRE_REGISTRY),
        "the registry",
        format!("{why} (scripts/test installs docker-registry and skopeo and builds the images)"),
    )
}

/// The OCI layout of the Debian test image, when `VIGIL_TEST_IMAGES` names one.
pub fn test_image() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("VIGIL_TEST_IMAGES")?).join("debian/oci");
    dir.join("index.json").is_file().then_some(dir)
}

/// Starts a registry (with htpasswd auth, user `vigil` / `vigil-pass`, when asked) and pushes
/// the test image with skopeo. When the tools or the image are missing: a panic naming them
/// with `CI=true` or `VIGIL_REQUIRE_REGISTRY=1`, otherwise `None` with the test recorded as
/// skipped (`vigil_testkit::missing`), so the caller returns at once.
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[track_caller]
pub fn start(with_auth: bool) -> Option<(Registry, PathBuf)> {
    let found =
        |tool: &str| Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found("docker-registry") || !found("skopeo") {
        return skip("`docker-registry` or `skopeo` is not installed");
    }
    let Some(image) = test_image() else {
        return skip("VIGIL_TEST_IMAGES is not set or has no image");
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = format!("127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut config = format!(
        "version: 0.1\nlog: {{level: error}}\nstorage: {{filesystem: {{rootdirectory: {}}}}}\nhttp: {{addr: {addr}}}\n",
        dir.path().join("data").display()
    );
    if with_auth {
        // bcrypt hash of `vigil-pass` for user `vigil` (htpasswd -Bbn vigil vigil-pass).
        let out = Command::new("htpasswd").args(["-Bbn", "vigil", "vigil-pass"]).output();
        let Some(out) = out.ok().filter(|o| o.status.success()) else {
            return skip("`htpasswd` (apache2-utils) is not installed");
        };
        std::fs::write(dir.path().join("htpasswd"), out.stdout).unwrap_or_else(|e| panic!("{e}"));
        config.push_str(&format!(
            "auth: {{htpasswd: {{realm: vigil, path: {}}}}}\n",
            dir.path().join("htpasswd").display()
        ));
    }
    std::fs::write(dir.path().join("config.yml"), config).unwrap_or_else(|e| panic!("{e}"));
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(dir.path().join("config.yml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting docker-registry: {e}"));
    let registry = Registry { child, addr: addr.clone(), dir };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "docker-registry did not start on {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut push = Command::new("skopeo");
    push.args(["copy", "-q", "--dest-tls-verify=false"]);
    if with_auth {
        push.args(["--dest-creds", "vigil:vigil-pass"]);
    }
    let status = push
        .arg(format!("oci:{}:latest", image.display()))
        .arg(format!("docker://{addr}/vigil/debian:1.0"))
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "skopeo could not push to {addr}");
    Some((registry, image))
}
