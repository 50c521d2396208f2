//! Export of a slot to one portable JSON file, and import of such a file.
//!
//! The export file:
//! ```json
//! {
//!   "format": "backup_system.export",
//!   "format_version": 1,
//!   "exported_at": "2026-01-01T00:00:00Z",
//!   "source_slot": 1,
//!   "metadata": { "pilot_callsign": "Maverick", ... } | null,
//!   "payload_size": 1234,
//!   "payload_crc32": 305419896,
//!   "payload_base64": "..."
//! }
//! ```
//!
//! An import treats the file as hostile, and writes nothing unless every
//! check passed:
//! * the file's size is checked before it is read, and the read itself is
//!   bounded (a file growing meanwhile cannot make us allocate more);
//! * parsing is strict: unknown fields are refused, types must match, and
//!   serde_json's recursion limit refuses deeply nested input with an error;
//! * the format marker must match and `format_version` must not be newer than
//!   this build's;
//! * the payload must decode from base64, have the declared size, be within the
//!   store's payload limit and match its CRC32;
//! * metadata strings are bounded and play time must be a finite, non-negative number;
//! * the target slot comes from the caller (never from the file) and must be
//!   in range; `-1` picks the first slot with no file at all;
//! * no path is taken from the file (unknown fields such as `path` are refused).
//!
//! An export of a store with an encryption key stays encrypted: the payload
//! is sealed with the store's key (XChaCha20-Poly1305, the metadata bound as
//! associated data), `payload_sealed` is `true` and size and CRC are those of
//! the sealed bytes. Importing it needs the same key; a wrong key or an
//! edited payload or metadata is refused as an authentication error before
//! anything is written. Plain exports (no key) leave the field out.
//!
//! The CRC32 detects damage in transit; it is not a signature. A file made to
//! match it is still only game bytes: the game must validate what it loads
//! (the Godot layer decodes with `bytes_to_var`, never the object-decoding variant).

use std::io::{Read, Write};
use std::path::Path;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::record::metadata::SlotMetadata;
use crate::record::storage::open_regular;

/// The marker every export file carries.
pub const EXPORT_FORMAT: &str = "backup_system.export";
/// The export format version this build writes and the newest it reads.
pub const EXPORT_FORMAT_VERSION: u32 = 1;
/// Longest metadata string accepted on import, in bytes.
const MAX_TEXT_BYTES: usize = 4096;

/// The export file, exactly as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportFile {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// Version of this layout.
    pub format_version: u32,
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The slot it was exported from (informational; never used as a target).
    pub source_slot: u32,
    /// The slot's metadata, unless the export left it out.
    pub metadata: Option<ExportMetadata>,
    /// Length of the payload in bytes.
    pub payload_size: u64,
    /// CRC32 of the payload.
    pub payload_crc32: u32,
    /// The payload, standard base64 with padding.
    pub payload_base64: String,
    /// Whether the payload is sealed with the game's key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub payload_sealed: bool,
}

/// What an export's seal binds: a marker and the metadata as serialized.
pub(crate) fn export_associated_data(metadata: &Option<ExportMetadata>) -> Result<Vec<u8>> {
    let mut ad = b"backup_system.export sealed v1\0".to_vec();
    ad.extend_from_slice(&serde_json::to_vec(metadata)?);
    Ok(ad)
}

/// The descriptive metadata carried by an export (store-managed fields such
/// as the save counter stay behind).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportMetadata {
    /// Pilot callsign.
    pub pilot_callsign: String,
    /// Campaign.
    pub campaign: String,
    /// Mission.
    pub mission: String,
    /// Play time in seconds.
    pub play_time_seconds: f64,
    /// The game's schema version of the payload.
    pub game_schema_version: u32,
    /// When the slot was first saved.
    pub created_at: Option<DateTime<Utc>>,
    /// When the exported copy was written.
    pub modified_at: Option<DateTime<Utc>>,
    /// The game's extra slot-list fields.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl ExportMetadata {
    /// The exportable part of a slot's metadata.
    pub fn from_slot(meta: &SlotMetadata) -> Self {
        ExportMetadata {
            pilot_callsign: meta.pilot_callsign.clone(),
            campaign: meta.campaign.clone(),
            mission: meta.mission.clone(),
            play_time_seconds: meta.play_time_seconds,
            game_schema_version: meta.game_schema_version,
            created_at: meta.created_at,
            modified_at: meta.modified_at,
            extra: meta.extra.clone(),
        }
    }

    /// Slot metadata for the imported save.
    pub fn into_slot(self) -> SlotMetadata {
        SlotMetadata {
            pilot_callsign: self.pilot_callsign,
            campaign: self.campaign,
            mission: self.mission,
            play_time_seconds: self.play_time_seconds,
            game_schema_version: self.game_schema_version,
            created_at: self.created_at,
            extra: self.extra,
            ..SlotMetadata::default()
        }
    }

    fn validate(&self) -> Result<()> {
        for (name, text) in [
            ("pilot_callsign", &self.pilot_callsign),
            ("campaign", &self.campaign),
            ("mission", &self.mission),
        ] {
            if text.len() > MAX_TEXT_BYTES {
                return Err(reject(format!(
                    "metadata.{name} is {} bytes long (limit {MAX_TEXT_BYTES})",
                    text.len()
                )));
            }
        }
        if !self.play_time_seconds.is_finite() || self.play_time_seconds < 0.0 {
            return Err(reject(
                "metadata.play_time_seconds must be a non-negative number",
            ));
        }
        Ok(())
    }
}

/// Builds the export file for a payload.
pub fn build_export(
    source_slot: u32,
    payload: &[u8],
    metadata: Option<&SlotMetadata>,
    now: DateTime<Utc>,
) -> ExportFile {
    ExportFile {
        format: EXPORT_FORMAT.into(),
        format_version: EXPORT_FORMAT_VERSION,
        exported_at: now,
        source_slot,
        metadata: metadata.map(ExportMetadata::from_slot),
        payload_size: payload.len() as u64,
        payload_crc32: crc32fast::hash(payload),
        payload_base64: base64::engine::general_purpose::STANDARD.encode(payload),
        payload_sealed: false,
    }
}

/// Builds the export file for a payload, sealed with `key`.
pub(crate) fn build_sealed_export(
    source_slot: u32,
    payload: &[u8],
    metadata: Option<&SlotMetadata>,
    now: DateTime<Utc>,
    key: &crate::record::SaveKey,
) -> Result<ExportFile> {
    let mut file = build_export(source_slot, &[], metadata, now);
    let ad = export_associated_data(&file.metadata)?;
    let sealed = crate::record::seal::seal(key, &ad, payload)
        .map_err(|e| Error::InvalidArgument(format!("could not encrypt the export: {e}")))?;
    file.payload_size = sealed.len() as u64;
    file.payload_crc32 = crc32fast::hash(&sealed);
    file.payload_base64 = base64::engine::general_purpose::STANDARD.encode(&sealed);
    file.payload_sealed = true;
    Ok(file)
}

/// A verified import: the bytes and metadata to save.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedBackup {
    /// The game's bytes.
    pub payload: Vec<u8>,
    /// Metadata for the slot (default when the export left it out).
    pub metadata: SlotMetadata,
    /// The slot the file says it came from (informational).
    pub source_slot: u32,
    /// Set when `payload` is still sealed: what the seal binds.
    pub sealed_associated_data: Option<Vec<u8>>,
}

fn reject(reason: impl Into<String>) -> Error {
    Error::Import(reason.into())
}

/// Parses and verifies export bytes. `max_payload` is the store's payload limit.
pub fn parse_export(bytes: &[u8], max_payload: u64) -> Result<ImportedBackup> {
    // A quick look at the version first, so that a newer file is refused as
    // "newer" rather than as "unknown field" when its layout grew.
    #[derive(Deserialize)]
    struct Probe {
        format: Option<serde_json::Value>,
        format_version: Option<serde_json::Value>,
    }
    let probe: Probe = serde_json::from_slice(bytes)
        .map_err(|e| reject(format!("not a valid export file: {e}")))?;
    if probe.format.as_ref().and_then(|v| v.as_str()) != Some(EXPORT_FORMAT) {
        return Err(reject(format!(
            "not a backup export (the \"format\" field must be \"{EXPORT_FORMAT}\")"
        )));
    }
    match probe.format_version.as_ref().and_then(|v| v.as_u64()) {
        Some(v) if v > u64::from(EXPORT_FORMAT_VERSION) => {
            return Err(reject(format!(
                "export format version {v} is newer than this game supports ({EXPORT_FORMAT_VERSION}); update the game"
            )))
        }
        Some(0) | None => return Err(reject("format_version must be a positive integer")),
        Some(_) => {}
    }
    let file: ExportFile = serde_json::from_slice(bytes)
        .map_err(|e| reject(format!("not a valid export file: {e}")))?;
    if file.payload_size > max_payload {
        return Err(reject(format!(
            "payload of {} bytes exceeds the limit of {max_payload} bytes",
            file.payload_size
        )));
    }
    // Base64 can only be 3/4 of its length; refuse before decoding a lie.
    let decoded_bound = (file.payload_base64.len() as u64 / 4 + 1) * 3;
    if file.payload_size > decoded_bound {
        return Err(reject(format!(
            "payload_size {} does not match the encoded payload",
            file.payload_size
        )));
    }
    let payload = base64::engine::general_purpose::STANDARD
        .decode(file.payload_base64.as_bytes())
        .map_err(|e| reject(format!("payload is not valid base64: {e}")))?;
    if payload.len() as u64 != file.payload_size {
        return Err(reject(format!(
            "payload is {} bytes but the file declares {} (truncated or edited)",
            payload.len(),
            file.payload_size
        )));
    }
    let crc = crc32fast::hash(&payload);
    if crc != file.payload_crc32 {
        return Err(reject(format!(
            "payload checksum mismatch (stored {:08x}, computed {crc:08x})",
            file.payload_crc32
        )));
    }
    let sealed_associated_data = if file.payload_sealed {
        Some(export_associated_data(&file.metadata)?)
    } else {
        None
    };
    let metadata = match file.metadata {
        Some(meta) => {
            meta.validate()?;
            meta.into_slot()
        }
        None => SlotMetadata::default(),
    };
    Ok(ImportedBackup {
        payload,
        metadata,
        source_slot: file.source_slot,
        sealed_associated_data,
    })
}

/// Reads an import file, refusing it before reading when it is larger than
/// `limit`, and never reading more than `limit + 1` bytes. The file is opened
/// without blocking (a FIFO or device is refused, never waited on); a link
/// to a regular file is followed, as the player chose the path.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let file = open_regular(path, true).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidInput => reject(e.to_string()),
        // Said in our words: the OS's text differs between platforms.
        std::io::ErrorKind::NotFound => Error::NotFound {
            what: "file to import",
            path: path.to_path_buf(),
        },
        _ => Error::io("open", path, e),
    })?;
    let meta = file.metadata().map_err(|e| Error::io("inspect", path, e))?;
    if meta.len() > limit {
        return Err(reject(format!(
            "file is {} bytes, larger than the import limit of {limit} bytes",
            meta.len()
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", path, e))?;
    if bytes.len() as u64 > limit {
        return Err(reject(format!(
            "file grew beyond the import limit of {limit} bytes while it was read"
        )));
    }
    Ok(bytes)
}

/// Why an export cannot be written to `target`, if it cannot: a target that
/// exists but is not a regular file (a link, FIFO, device or directory:
/// never replaced, whatever `--force` says), on Windows a reserved device
/// name (`NUL`, `con.json`: see [`crate::record::windows_device_name`]), or
/// one inside the save folder `root` (where the store owns every name).
pub fn check_export_target(target: &Path, root: &Path) -> Result<()> {
    let refuse = |why: String| Err(Error::InvalidArgument(why));
    if cfg!(windows) {
        if let Some(device) = crate::record::windows_device_name(target) {
            return refuse(format!(
                "{} names the Windows device {device}, not a regular file; export to another name",
                target.display()
            ));
        }
    }
    match std::fs::symlink_metadata(target) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return refuse(format!(
                "{} is a symbolic link; export to a regular file instead",
                target.display()
            ))
        }
        Ok(meta) if !meta.is_file() => {
            return refuse(format!(
                "{} exists and is not a regular file; it is never replaced",
                target.display()
            ))
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("inspect", target, e)),
    }
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let parent = std::fs::canonicalize(parent).map_err(|e| Error::io("write", target, e))?;
    if let Ok(root) = std::fs::canonicalize(root) {
        if parent.starts_with(&root) {
            return refuse(format!(
                "{} is inside the save folder {}; export to a file outside it",
                target.display(),
                root.display()
            ));
        }
    }
    Ok(())
}

/// Writes an export file: checked with [`check_export_target`], written to
/// a temporary file created exclusively under an unpredictable name next to
/// the target (never through a planted link), flushed when `sync` is set,
/// renamed over the target, and read back: success only when the file on
/// disk holds exactly these bytes (another export to the same file that
/// renamed after this one makes this one fail, never report the other's data).
pub fn write_export_file(target: &Path, root: &Path, bytes: &[u8], sync: bool) -> Result<()> {
    check_export_target(target, root)?;
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".export-")
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temporary file in", dir, e))?;
    temp.write_all(bytes)
        .and_then(|()| {
            if sync {
                temp.as_file().sync_all()
            } else {
                Ok(())
            }
        })
        .map_err(|e| Error::io("write", temp.path().to_path_buf(), e))?;
    // The target may have become a link or a FIFO meanwhile: look again
    // just before the rename (which replaces a name, never writes through it).
    check_export_target(target, root)?;
    temp.persist(target)
        .map_err(|e| Error::io("rename into place", target, e.error))?;
    if sync {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    let on_disk = open_regular(target, false)
        .and_then(|file| {
            let mut read = Vec::with_capacity(bytes.len());
            file.take(bytes.len() as u64 + 1).read_to_end(&mut read)?;
            Ok(read)
        })
        .map_err(|e| Error::io("read back", target, e))?;
    if on_disk != bytes {
        return Err(Error::InvalidArgument(format!(
            "{} was replaced by another program while the export was written; \
             it does not hold this export (export again)",
            target.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let meta = SlotMetadata {
            pilot_callsign: "Maverick".into(),
            ..SlotMetadata::default()
        };
        serde_json::to_vec(&build_export(3, b"payload", Some(&meta), Utc::now())).unwrap()
    }

    #[cfg(windows)]
    #[test]
    fn a_windows_device_name_is_never_an_export_target() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("saves");
        std::fs::create_dir(&root).unwrap();
        for name in ["NUL", "con.json", "Aux.txt", "COM1.json"] {
            let target = dir.path().join(name);
            let err = check_export_target(&target, &root).unwrap_err().to_string();
            assert!(err.contains("Windows device"), "{name}: {err}");
        }
        check_export_target(&dir.path().join("nullable.json"), &root).unwrap();
    }

    #[test]
    fn round_trips() {
        let imported = parse_export(&sample(), 1 << 20).unwrap();
        assert_eq!(imported.payload, b"payload");
        assert_eq!(imported.metadata.pilot_callsign, "Maverick");
        assert_eq!(imported.source_slot, 3);
    }

    #[test]
    fn payload_limit_is_enforced() {
        let err = parse_export(&sample(), 3).unwrap_err();
        assert!(err.to_string().contains("exceeds the limit"), "{err}");
    }

    #[test]
    fn a_lying_size_is_refused_before_decoding() {
        let mut v: serde_json::Value = serde_json::from_slice(&sample()).unwrap();
        v["payload_size"] = serde_json::json!(1u64 << 19);
        let err = parse_export(&serde_json::to_vec(&v).unwrap(), 1 << 20).unwrap_err();
        assert!(err.to_string().contains("does not match"), "{err}");
    }
}
