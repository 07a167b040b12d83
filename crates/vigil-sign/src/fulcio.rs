//! Fulcio certificate checks done by vigil itself, for the one case `sigstore-verify` cannot
//! take (see [`crate::keyless`]): the chain to a trusted Fulcio root at the signing time (with
//! the code-signing EKU), the embedded SCT against a trusted CT log (RFC 6962 precertificate
//! form), and the identity (SAN) and OIDC issuer extensions.

use aws_lc_rs::digest::{SHA256, digest};
use rustls_pki_types::{CertificateDer, UnixTime};
use x509_cert::Certificate;
use x509_cert::der::asn1::{ObjectIdentifier, OctetString, Utf8StringRef};
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

use crate::keys::load_public_key;
use crate::trust::TrustRoot;

/// id-kp-codeSigning (1.3.6.1.5.5.7.3.3), DER contents.
const EKU_CODE_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];
const SCT_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");
const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
/// Fulcio's issuer extension, raw string (deprecated form).
const ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
/// Fulcio's issuer extension, DER UTF8String.
const ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");
/// Fulcio's otherName SAN.
const OTHER_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.7");

/// The identity claims of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claims {
    pub(crate) identity: Option<String>,
    pub(crate) issuer: Option<String>,
}

/// Verifies that `leaf` (DER) chains to a Fulcio root of `root` at `time` (Unix seconds),
/// through `intermediates` (DER, from the signature), with the code-signing EKU, and that its
/// embedded SCT verifies with a CT log of `root`. Returns its identity claims.
pub(crate) fn verify_certificate(
    leaf: &[u8],
    intermediates: &[Vec<u8>],
    root: &TrustRoot,
    time: i64,
) -> Result<Claims, String> {
    let time_u64 = u64::try_from(time).map_err(|_| format!("signing time {time} is before 1970"))?;
    let anchors_der: Vec<(CertificateDer<'_>, _)> = root
        .inner()
        .certificate_authorities
        .iter()
        .filter(|ca| {
            ca.valid_for.as_ref().is_none_or(|v| within(time, v.start.as_second(), v.end.map(|e| e.as_second())))
        })
        .flat_map(|ca| ca.cert_chain.certificates.iter().map(|c| CertificateDer::from(c.raw_bytes.as_bytes())))
        .map(|der| (der, ()))
        .collect();
    if anchors_der.is_empty() {
        return Err("no Fulcio certificate authority of the trusted root is valid at the signing time".into());
    }
    let anchors: Vec<_> = anchors_der
        .iter()
        .filter_map(|(der, ())| webpki::anchor_from_trusted_cert(der).ok().map(|a| a.to_owned()))
        .collect();
    // Every CA certificate of the root may serve as an intermediate too.
    let mut pool: Vec<CertificateDer<'_>> = intermediates.iter().map(|c| CertificateDer::from(c.as_slice())).collect();
    pool.extend(anchors_der.iter().map(|(der, ())| der.clone()));
    let leaf_der = CertificateDer::from(leaf);
    let end_entity =
        webpki::EndEntityCert::try_from(&leaf_der).map_err(|e| format!("signing certificate is malformed: {e}"))?;
    end_entity
        .verify_for_usage(
            sigstore_verify::crypto::WEBPKI_VERIFICATION_ALGS,
            &anchors,
            &pool,
            UnixTime::since_unix_epoch(std::time::Duration::from_secs(time_u64)),
            webpki::KeyUsage::required(EKU_CODE_SIGNING),
            None,
            None,
        )
        .map_err(|e| {
            format!("signing certificate does not chain to a trusted Fulcio root at the signing time: {e:?}")
        })?;
    let cert = Certificate::from_der(leaf).map_err(|e| format!("signing certificate is malformed: {e}"))?;
    verify_sct(&cert, intermediates, root, &anchors_der.iter().map(|(d, ())| d.as_ref().to_vec()).collect::<Vec<_>>())?;
    Ok(claims(&cert))
}

pub(crate) fn within(time: i64, start: i64, end: Option<i64>) -> bool {
    time >= start && end.is_none_or(|end| time <= end)
}

/// The SAN (email, URI or Fulcio otherName) and the OIDC issuer of a certificate.
pub(crate) fn claims(cert: &Certificate) -> Claims {
    let mut claims = Claims { identity: None, issuer: None };
    let Some(extensions) = cert.tbs_certificate.extensions.as_ref() else { return claims };
    for extension in extensions {
        let value = extension.extn_value.as_bytes();
        if extension.extn_id == SUBJECT_ALT_NAME {
            if let Ok(names) = SubjectAltName::from_der(value) {
                claims.identity = names.0.iter().find_map(|name| match name {
                    GeneralName::Rfc822Name(email) => Some(email.as_str().to_string()),
                    GeneralName::UniformResourceIdentifier(uri) => Some(uri.as_str().to_string()),
                    GeneralName::OtherName(other) if other.type_id == OTHER_NAME => {
                        other.value.decode_as::<Utf8StringRef<'_>>().ok().map(|s| s.as_str().to_string())
                    }
                    _ => None,
                });
            }
        } else if extension.extn_id == ISSUER_V2 {
            if let Ok(issuer) = Utf8StringRef::from_der(value) {
                claims.issuer = Some(issuer.as_str().to_string());
            }
        } else if extension.extn_id == ISSUER_V1 && claims.issuer.is_none() {
            claims.issuer = std::str::from_utf8(value).ok().map(str::to_string);
        }
    }
    claims
}

/// Verifies one embedded SCT of `cert` with a CT log key of `root` (RFC 6962 section 3.2,
/// precertificate entry: the TBS without the SCT extension, bound to the issuer's key hash).
fn verify_sct(
    cert: &Certificate,
    intermediates: &[Vec<u8>],
    root: &TrustRoot,
    roots: &[Vec<u8>],
) -> Result<(), String> {
    let extensions =
        cert.tbs_certificate.extensions.as_ref().ok_or("signing certificate has no extensions (no SCT)")?;
    let sct_extension =
        extensions.iter().find(|e| e.extn_id == SCT_LIST).ok_or("signing certificate has no embedded SCT")?;
    let list = OctetString::from_der(sct_extension.extn_value.as_bytes())
        .map_err(|e| format!("SCT list is malformed: {e}"))?;
    let scts = parse_sct_list(list.as_bytes()).ok_or("SCT list is malformed")?;
    // The issuer: the certificate (from the signature's chain or the trusted root) whose subject is
    // the leaf's issuer.
    let issuer_spki = intermediates
        .iter()
        .chain(roots)
        .filter_map(|der| Certificate::from_der(der).ok())
        .find(|c| c.tbs_certificate.subject == cert.tbs_certificate.issuer)
        .ok_or("the signing certificate's issuer is not in its chain or the trusted root")?
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    let issuer_key_hash = digest(&SHA256, &issuer_spki);
    let mut tbs = cert.tbs_certificate.clone();
    if let Some(list) = tbs.extensions.as_mut() {
        list.retain(|e| e.extn_id != SCT_LIST);
    }
    let tbs_der = tbs.to_der().map_err(|e| e.to_string())?;
    let tbs_len = u32::try_from(tbs_der.len()).ok().filter(|n| *n < 1 << 24).ok_or("TBS certificate too large")?;
    let mut reasons = Vec::new();
    for sct in scts {
        let Some(log) = root.inner().ctlogs.iter().find(|log| log.log_id.key_id.as_bytes() == sct.log_id) else {
            reasons.push("SCT from a CT log that is not in the trusted root".to_string());
            continue;
        };
        let mut message = vec![sct.version, 0];
        message.extend_from_slice(&sct.timestamp.to_be_bytes());
        message.extend_from_slice(&[0, 1]);
        message.extend_from_slice(issuer_key_hash.as_ref());
        message.extend_from_slice(&tbs_len.to_be_bytes()[1..]);
        message.extend_from_slice(&tbs_der);
        message.extend_from_slice(&u16::try_from(sct.extensions.len()).unwrap_or(u16::MAX).to_be_bytes());
        message.extend_from_slice(sct.extensions);
        let key = load_public_key(log.public_key.raw_bytes.as_bytes()).map_err(|e| format!("CT log key: {e}"))?;
        match key.verify(&message, sct.signature) {
            Ok(()) => return Ok(()),
            Err(_) => reasons.push("SCT signature does not verify with the CT log key".to_string()),
        }
    }
    Err(if reasons.is_empty() { "SCT list is empty".to_string() } else { reasons.join("; ") })
}

struct Sct<'a> {
    version: u8,
    log_id: &'a [u8],
    timestamp: u64,
    extensions: &'a [u8],
    signature: &'a [u8],
}

/// TLS `SignedCertificateTimestampList`: u16 length, then u16-length-prefixed SCTs.
fn parse_sct_list(bytes: &[u8]) -> Option<Vec<Sct<'_>>> {
    let (list, rest) = take_u16_prefixed(bytes)?;
    if !rest.is_empty() {
        return None;
    }
    let mut scts = Vec::new();
    let mut list = list;
    while !list.is_empty() {
        let (one, rest) = take_u16_prefixed(list)?;
        list = rest;
        let (&version, one) = one.split_first()?;
        let (log_id, one) = one.split_at_checked(32)?;
        let (timestamp, one) = one.split_at_checked(8)?;
        let (extensions, one) = take_u16_prefixed(one)?;
        let (_algorithms, one) = one.split_at_checked(2)?;
        let (signature, one) = take_u16_prefixed(one)?;
        if !one.is_empty() {
            return None;
        }
        scts.push(Sct {
            version,
            log_id,
            timestamp: u64::from_be_bytes(timestamp.try_into().ok()?),
            extensions,
            signature,
        });
    }
    Some(scts)
}

fn take_u16_prefixed(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = bytes.split_at_checked(2)?;
    rest.split_at_checked(usize::from(u16::from_be_bytes([len[0], len[1]])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sct_list_parsing_is_bounded() {
        assert!(parse_sct_list(&[]).is_none());
        assert!(parse_sct_list(&[0, 5, 1]).is_none());
        assert_eq!(parse_sct_list(&[0, 0]).map(|l| l.len()), Some(0));
        let mut sct = vec![0u8];
        sct.extend([7u8; 32]);
        sct.extend(1u64.to_be_bytes());
        sct.extend([0, 0, 4, 3, 0, 2, 0xaa, 0xbb]);
        let mut list = (u16::try_from(sct.len()).unwrap()).to_be_bytes().to_vec();
        list.extend(&sct);
        let mut outer = (u16::try_from(list.len()).unwrap()).to_be_bytes().to_vec();
        outer.extend(&list);
        let parsed = parse_sct_list(&outer).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].signature, &[0xaa, 0xbb]);
        assert_eq!(parsed[0].timestamp, 1);
        outer.push(0);
        assert!(parse_sct_list(&outer).is_none());
    }

    #[test]
    fn within_validity_is_inclusive() {
        assert!(within(10, 10, Some(10)));
        assert!(!within(9, 10, None));
        assert!(!within(11, 0, Some(10)));
    }
}
