//! A running `vigil serve` for the gate and decision-log tests: spawned from a prepared
//! command, ready once it logs `listening`, spoken to with curl over verified TLS, killed
//! when dropped.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Served {
    pub child: Child,
    pub port: u16,
    log: Arc<Mutex<Vec<String>>>,
    ca: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Spawns `cmd` (a `vigil serve … --listen 127.0.0.1:0`) with its stderr collected and waits
    /// up to `wait` for its `listening` line; `ca` is the CA that signed its certificate.
    pub fn spawn(mut cmd: Command, ca: PathBuf, wait: Duration) -> Served {
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let deadline = Instant::now() + wait;
        let port = loop {
            let found = log.lock().unwrap().iter().find_map(|line| {
                let v: Value = serde_json::from_str(line).ok()?;
                (v["msg"] == "listening").then(|| v["address"].as_str()?.rsplit(':').next()?.parse::<u16>().ok())?
            });
            if let Some(port) = found {
                break port;
            }
            if let Some(exit) = child.try_wait().unwrap() {
                let head: Vec<String> =
                    log.lock().unwrap().iter().filter(|l| !l.trim().is_empty()).take(3).cloned().collect();
                panic!("vigil serve exited with {exit:?}: {head:?}");
            }
            assert!(Instant::now() < deadline, "vigil serve did not start: {:?}", log.lock().unwrap());
            std::thread::sleep(Duration::from_millis(20));
        };
        Served { child, port, log, ca }
    }

    /// (HTTP status, body bytes) of a request with curl over verified TLS.
    pub fn call_bytes(&self, method: &str, path: &str, body: Option<&[u8]>) -> (u16, Vec<u8>) {
        let mut cmd = Command::new("curl");
        cmd.args(["-s", "--max-time", "20", "--cacert"]).arg(&self.ca).args(["-X", method, "-w", "\n%{http_code}"]);
        if body.is_some() {
            cmd.args(["-H", "Content-Type: application/json", "--data-binary", "@-"]);
        }
        cmd.arg(format!("https://localhost:{}{path}", self.port));
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(body) = body {
            child.stdin.take().unwrap().write_all(body).unwrap();
        } else {
            drop(child.stdin.take());
        }
        let out = child.wait_with_output().unwrap();
        let text = out.stdout;
        let split = text.iter().rposition(|&b| b == b'\n').unwrap_or(0);
        let code = String::from_utf8_lossy(&text[(split + 1).min(text.len())..]).trim().parse().unwrap_or(0);
        (code, text[..split.min(text.len())].to_vec())
    }

    /// (HTTP status, body text) of a request.
    pub fn call(&self, method: &str, path: &str, body: Option<&[u8]>) -> (u16, String) {
        let (code, body) = self.call_bytes(method, path, body);
        (code, String::from_utf8_lossy(&body).into_owned())
    }

    /// (HTTP status, body text) of a GET.
    pub fn get(&self, path: &str) -> (u16, String) {
        self.call("GET", path, None)
    }

    /// The `response` of an AdmissionReview answered with HTTP 200 for the same uid.
    pub fn review(&self, path: &str, review: &Value) -> Value {
        let (code, body) = self.call("POST", path, Some(&serde_json::to_vec(review).unwrap()));
        assert_eq!(code, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(v["response"]["uid"], review["request"]["uid"]);
        v["response"].clone()
    }

    /// Whether a stderr line contains `needle`.
    pub fn log_contains(&self, needle: &str) -> bool {
        self.log.lock().unwrap().iter().any(|l| l.contains(needle))
    }

    /// Everything the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

/// A `name value` line of Prometheus text.
pub fn metric(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no {name} in\n{metrics}"))
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{name}: {e}\n{metrics}"))
}
