//! The severity scale of `maxSeverity`: vigil-core's [`Severity`], re-exported here
//! (`unknown < info < low < medium < high < critical`). What a vulnerability attestation
//! reports is read by `vigil_vuln::predicate`, the module that also writes vigil's predicate.

pub use vigil_core::Severity;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_and_parsing() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Unknown);
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
    }
}
