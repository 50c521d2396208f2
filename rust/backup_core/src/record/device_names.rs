//! Windows reserved device names. On Windows a file named `NUL`, `CON`,
//! `AUX`, `PRN`, `COM1`..`COM9` or `LPT1`..`LPT9`, with any extension and in
//! any case (`nul.json`, `Con.txt`), opens the device instead of a file in
//! every folder, and a path in the `\\.\` namespace names a device directly.
//! An export written there would vanish (`NUL`) or go to a console or port:
//! such targets are refused before anything is written.

use std::path::Path;

/// The device `path` names on Windows (upper case, e.g. `"NUL"`), or `None`
/// for an ordinary file name. Pure text: the answer is the same on every
/// system, so it is tested everywhere; callers apply it on Windows only.
pub fn windows_device_name(path: &Path) -> Option<String> {
    let text = path.to_string_lossy();
    if let Some(rest) = text
        .strip_prefix(r"\\.\")
        .or_else(|| text.strip_prefix("//./"))
    {
        return Some(rest.to_ascii_uppercase());
    }
    // The last component, after either separator.
    let name = text.rsplit(['/', '\\']).next().unwrap_or("");
    // Windows ignores everything from the first dot, and trailing spaces.
    let stem = name.split('.').next().unwrap_or("").trim_end_matches(' ');
    let upper = stem.to_ascii_uppercase();
    let reserved = match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        _ => {
            let bytes = upper.as_bytes();
            bytes.len() == 4
                && (upper.starts_with("COM") || upper.starts_with("LPT"))
                && (b'1'..=b'9').contains(&bytes[3])
        }
    };
    reserved.then_some(upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(p: &str) -> Option<String> {
        windows_device_name(Path::new(p))
    }

    #[test]
    fn reserved_names_in_any_case_with_any_extension() {
        assert_eq!(name("NUL").as_deref(), Some("NUL"));
        assert_eq!(name("nul.json").as_deref(), Some("NUL"));
        assert_eq!(
            name(r"C:\Users\Ana\Desktop\Con.txt").as_deref(),
            Some("CON")
        );
        assert_eq!(name("/home/ana/aux.tar.gz").as_deref(), Some("AUX"));
        assert_eq!(name("exports/com7.json").as_deref(), Some("COM7"));
        assert_eq!(name("LPT1 .json").as_deref(), Some("LPT1"));
        assert_eq!(
            name(r"\\.\PhysicalDrive0").as_deref(),
            Some("PHYSICALDRIVE0")
        );
    }

    #[test]
    fn ordinary_names_are_files() {
        for p in [
            "save.json",
            "nullable.json",
            "console.json",
            "com0.json",
            "com10.json",
            "lpt.json",
            "aux_backup.json",
            r"C:\NUL\save.json",
            "",
        ] {
            assert_eq!(name(p), None, "{p}");
        }
    }
}
