//! Ports: the traits through which the service reaches its backends. Each has
//! one conformance test suite that every adapter must pass.

pub mod bound_handle;
pub mod capabilities;
pub mod clock;
pub mod provider;
pub mod store;
