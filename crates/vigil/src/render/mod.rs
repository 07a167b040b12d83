//! Report renderers that need more than serde (JSON and SARIF come from `vigil-core`).

pub mod columns;
pub mod table;

/// Writes a rendered report to `output` (a file), or to standard output when `None`.
///
/// # Errors
/// The file cannot be written, or standard output is closed.
pub fn write_output(output: Option<&std::path::Path>, text: &str) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::io::Write as _;
    match output {
        Some(path) => std::fs::write(path, text).with_context(|| format!("writing {}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}
