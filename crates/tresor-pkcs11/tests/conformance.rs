//! The provider conformance suite against `Pkcs11Provider` on SoftHSM2.

mod common;

tresor_provider_tests::provider_conformance_tests!(softhsm2, || common::subject());
