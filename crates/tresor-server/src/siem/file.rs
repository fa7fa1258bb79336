//! The file sink: audit records appended as JSON lines (the export
//! format) to a local file, created 0600, flushed and synced after each
//! batch. A record may appear twice after a crash between the write and
//! the cursor update; `seq` tells duplicates apart.

use std::path::PathBuf;

use async_trait::async_trait;
use tokio::io::AsyncWriteExt;
use tresor_core::audit::AuditRecord;
use tresor_service::sinks::{AuditSink, SinkError, SinkFailure};

use super::config::SinkConfig;

/// A JSONL file destination.
#[derive(Debug)]
pub struct FileSink {
    name: String,
    path: PathBuf,
}

impl FileSink {
    /// Builds the sink; the file is opened on each batch.
    pub fn new(c: &SinkConfig) -> Self {
        Self {
            name: c.name.clone(),
            path: c.path.clone().unwrap_or_default(),
        }
    }

    async fn append(&self, buf: &[u8]) -> std::io::Result<()> {
        let mut opts = tokio::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        opts.mode(0o600);
        let mut f = opts.open(&self.path).await?;
        f.write_all(buf).await?;
        f.flush().await?;
        f.sync_data().await
    }
}

#[async_trait]
impl AuditSink for FileSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "file"
    }

    fn target(&self) -> String {
        self.path.display().to_string()
    }

    async fn deliver(&self, records: &[AuditRecord]) -> Result<(), SinkFailure> {
        let mut buf = Vec::new();
        for r in records {
            serde_json::to_writer(&mut buf, r).map_err(|e| SinkFailure {
                delivered: 0,
                error: SinkError(e.to_string()),
            })?;
            buf.push(b'\n');
        }
        self.append(&buf).await.map_err(|e| SinkFailure {
            delivered: 0,
            error: SinkError(format!("cannot append to {}: {e}", self.path.display())),
        })
    }
}
