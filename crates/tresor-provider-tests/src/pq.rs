//! Post-quantum cases: ML-KEM encapsulation (with aws-lc interop from the
//! SPKI) and ML-DSA signatures (verified by aws-lc).

use std::sync::Arc;

use aws_lc_rs::kem::{self, EncapsulationKey};
use aws_lc_rs::signature::{self, VerificationAlgorithm};
use tresor_core::{Algorithm, KeyClass, Operation, Provider, SignInput, SignScheme};
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::Claims;
use crate::support::{
    external_verify, generate, is_crypto, is_invalid_input, unclaimed_are_unsupported,
};

/// Every claimed ML-KEM parameter set.
pub async fn kem_round_trips(p: Arc<dyn Provider>, claims: Claims) {
    for alg in claims.in_class(KeyClass::Kem) {
        let (c, h, spki) = generate(p.as_ref(), alg).await;
        let (p, spki) = (p.as_ref(), spki.unwrap());
        if !claims.allows(alg, Operation::Encapsulate) {
            unclaimed_are_unsupported(p, &claims, &c, &h).await;
            continue;
        }
        let (ct, ss) = p.encapsulate(&c, &h).await.unwrap();
        assert_eq!(ss.len(), 32);
        assert_eq!(
            p.decapsulate(&c, &h, &ct).await.unwrap(),
            ss,
            "{alg}: round trip"
        );
        let mut bad = ct.clone();
        bad[0] ^= 1;
        // Implicit rejection: a modified ciphertext gives another secret.
        assert_ne!(p.decapsulate(&c, &h, &bad).await.unwrap(), ss);
        assert!(is_crypto(&p.decapsulate(&c, &h, &ct[1..]).await));
        assert!(is_crypto(&p.decapsulate(&c, &h, &[]).await));
        // Interop: aws-lc encapsulates to the published key.
        let (_, info) = SubjectPublicKeyInfo::from_der(&spki).unwrap();
        let kem_alg = if alg == Algorithm::MlKem768 {
            &kem::ML_KEM_768
        } else {
            &kem::ML_KEM_1024
        };
        let ek = EncapsulationKey::new(kem_alg, &info.subject_public_key.data).unwrap();
        let (ct2, ss2) = ek.encapsulate().unwrap();
        let ours = p.decapsulate(&c, &h, ct2.as_ref()).await.unwrap();
        assert_eq!(ours.expose(), ss2.as_ref(), "{alg}: interop");
        unclaimed_are_unsupported(p, &claims, &c, &h).await;
    }
}

/// Every claimed ML-DSA parameter set.
pub async fn ml_dsa_round_trips(p: Arc<dyn Provider>, claims: Claims) {
    for alg in claims.in_class(KeyClass::PqSignature) {
        let (c, h, spki) = generate(p.as_ref(), alg).await;
        let (p, spki) = (p.as_ref(), spki.unwrap());
        if !claims.allows(alg, Operation::Sign) {
            unclaimed_are_unsupported(p, &claims, &c, &h).await;
            continue;
        }
        let msg = b"post-quantum";
        let m = SignInput::Message(msg);
        let s = p.sign(&c, &h, SignScheme::MlDsa, m).await.unwrap();
        assert!(p.verify(&c, &h, SignScheme::MlDsa, m, &s).await.unwrap());
        let other = SignInput::Message(b"x");
        assert!(
            !p.verify(&c, &h, SignScheme::MlDsa, other, &s)
                .await
                .unwrap()
        );
        let mut bad = s.clone();
        bad[100] ^= 1;
        assert!(!p.verify(&c, &h, SignScheme::MlDsa, m, &bad).await.unwrap());
        assert!(!p.verify(&c, &h, SignScheme::MlDsa, m, &[]).await.unwrap());
        let ext: &'static dyn VerificationAlgorithm = match alg {
            Algorithm::MlDsa44 => &signature::ML_DSA_44,
            Algorithm::MlDsa65 => &signature::ML_DSA_65,
            _ => &signature::ML_DSA_87,
        };
        external_verify(ext, &spki, msg, &s);
        let d = SignInput::Digest(&[0; 64]);
        assert!(is_invalid_input(
            &p.sign(&c, &h, SignScheme::MlDsa, d).await
        ));
        unclaimed_are_unsupported(p, &claims, &c, &h).await;
    }
}
