//! PLACEHOLDER (owned by the runtime helper): TLS listener.
