//! `vigil webhook certs`: a private CA and the webhook's serving certificate (rcgen, ECDSA
//! P-256), with the DNS names the API server uses to reach a Service.

use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};

/// Generated PEMs.
#[derive(Debug, Clone)]
pub struct WebhookCerts {
    /// The CA certificate (goes into the webhook configurations' `caBundle`).
    pub ca_pem: String,
    /// The serving certificate.
    pub cert_pem: String,
    /// The serving key (PKCS#8).
    pub key_pem: String,
    /// The DNS names in the serving certificate.
    pub dns_names: Vec<String>,
}

/// Why certificates could not be made.
#[derive(Debug, thiserror::Error)]
#[error("generating certificates: {0}")]
pub struct CertError(String);

/// The names a Service is reached by: `S`, `S.N`, `S.N.svc`, `S.N.svc.cluster.local`.
#[must_use]
pub fn service_names(service: &str, namespace: &str) -> Vec<String> {
    vec![
        service.to_string(),
        format!("{service}.{namespace}"),
        format!("{service}.{namespace}.svc"),
        format!("{service}.{namespace}.svc.cluster.local"),
    ]
}

/// A CA and a serving certificate for `service` in `namespace`, valid for `validity` from an
/// hour ago (clock skew), plus `extra` names (for example `localhost`, `127.0.0.1`).
///
/// # Errors
/// [`CertError`] when a name is invalid or key generation fails.
pub fn generate(
    service: &str,
    namespace: &str,
    extra: &[String],
    validity: Duration,
) -> Result<WebhookCerts, CertError> {
    let err = |e: rcgen::Error| CertError(e.to_string());
    let now = time::OffsetDateTime::now_utc();
    let not_before = now - time::Duration::hours(1);
    let not_after = now + time::Duration::seconds(i64::try_from(validity.as_secs()).unwrap_or(i64::MAX / 2));

    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.distinguished_name.push(DnType::CommonName, format!("vigil webhook CA ({service}.{namespace})"));
    ca.distinguished_name.push(DnType::OrganizationName, "vigil");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    ca.not_before = not_before;
    ca.not_after = not_after;
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;

    let mut dns_names = service_names(service, namespace);
    dns_names.extend(extra.iter().cloned());
    let key = KeyPair::generate().map_err(err)?;
    let mut params = CertificateParams::new(dns_names.clone()).map_err(err)?;
    params.distinguished_name.push(DnType::CommonName, format!("{service}.{namespace}.svc"));
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.not_before = not_before;
    params.not_after = not_after;
    let issuer = Issuer::new(ca, ca_key);
    let cert = params.signed_by(&key, &issuer).map_err(err)?;
    Ok(WebhookCerts { ca_pem: ca_cert.pem(), cert_pem: cert.pem(), key_pem: key.serialize_pem(), dns_names })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_a_chain_for_the_service_names() {
        let certs = generate("vigil", "vigil-system", &["127.0.0.1".into()], Duration::from_secs(86_400)).unwrap();
        assert!(certs.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(certs.key_pem.contains("PRIVATE KEY"));
        assert_eq!(certs.dns_names[3], "vigil.vigil-system.svc.cluster.local");
    }
}
