//! Where the game keeps its saves: Godot's `user://` folder for a project,
//! plus the addon's default `saves` subfolder.
//!
//! Godot (4.x, `OS::get_user_data_dir`) puts `user://` at
//! `<data dir>/<godot dir>/app_userdata/<project name>`, or at
//! `<data dir>/<custom name>` when the project sets
//! `application/config/use_custom_user_dir`. The data dir is
//! `$XDG_DATA_HOME` (else `~/.local/share`) on Linux and the BSDs,
//! `%APPDATA%` on Windows and `~/Library/Application Support` on macOS; the
//! godot dir is `godot` on Linux and `Godot` elsewhere.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// The addon's default save root below `user://`.
pub const SAVES_SUBDIR: &str = "saves";

/// The operating systems whose Godot conventions differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Linux and other Unix-likes following XDG.
    Linux,
    /// Windows.
    Windows,
    /// macOS.
    Macos,
}

impl Platform {
    /// The platform savekeep was built for.
    pub fn current() -> Platform {
        if cfg!(windows) {
            Platform::Windows
        } else if cfg!(target_os = "macos") {
            Platform::Macos
        } else {
            Platform::Linux
        }
    }

    fn separator(self) -> char {
        match self {
            Platform::Windows => '\\',
            _ => '/',
        }
    }

    fn godot_dir_name(self) -> &'static str {
        match self {
            Platform::Linux => "godot",
            _ => "Godot",
        }
    }
}

/// What a project's `project.godot` says about its `user://` folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectSettings {
    /// `application/config/name`.
    pub name: Option<String>,
    /// `application/config/custom_user_dir_name`, when
    /// `application/config/use_custom_user_dir` is on.
    pub custom_user_dir: Option<String>,
}

impl ProjectSettings {
    /// Reads the settings savekeep needs from the text of a `project.godot`.
    pub fn parse(text: &str) -> ProjectSettings {
        let mut section = String::new();
        let mut name = None;
        let mut use_custom = false;
        let mut custom = None;
        for line in text.lines().map(str::trim) {
            if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = s.to_owned();
                continue;
            }
            if section != "application" {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            match key.trim() {
                "config/name" => name = Some(unquote(value.trim())),
                "config/use_custom_user_dir" => use_custom = value.trim() == "true",
                "config/custom_user_dir_name" => custom = Some(unquote(value.trim())),
                _ => {}
            }
        }
        ProjectSettings {
            name,
            custom_user_dir: custom.filter(|c| use_custom && !c.trim().is_empty()),
        }
    }
}

/// Undoes Godot's string quoting (`"..."` with `\"` and `\\` escapes).
fn unquote(value: &str) -> String {
    let inner = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Godot's `OS::get_safe_dir_name` for a single folder name: trims, maps
/// characters invalid on some file system to `-`, and avoids `.`/`..`.
pub fn safe_dir_name(name: &str) -> String {
    let trimmed = name.trim();
    match trimmed {
        "." => return "dot".into(),
        ".." => return "twodots".into(),
        _ => {}
    }
    let mapped: String = trimmed
        .chars()
        .map(|c| match c {
            ':' | '*' | '?' | '"' | '<' | '>' | '|' | '/' | '\\' => '-',
            other => other,
        })
        .collect();
    // Windows does not allow folder names ending in a period.
    mapped.trim_end_matches('.').to_owned()
}

/// Why a default location could not be worked out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocateError {
    /// Neither a flag, the environment nor a project.godot named the game.
    #[error("cannot tell which game's saves to use: pass --root DIR, or --app NAME (the Godot project name), or run savekeep in the project folder")]
    NoApp,
    /// The environment variable the platform's data dir comes from is unset.
    #[error("cannot find the user data folder: {0} is not set; pass --root DIR")]
    NoDataDir(&'static str),
}

/// Godot's `user://` folder of a project on `platform`. `env` looks up
/// environment variables (injected so that every platform can be tested).
pub fn godot_user_dir(
    platform: Platform,
    app: &str,
    custom_user_dir: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, LocateError> {
    let set = |key: &str| env(key).filter(|v| !v.is_empty());
    let sep = platform.separator();
    let data = match platform {
        Platform::Linux => match set("XDG_DATA_HOME").filter(|v| v.starts_with('/')) {
            Some(xdg) => xdg,
            None => format!(
                "{}/.local/share",
                set("HOME").ok_or(LocateError::NoDataDir("HOME"))?
            ),
        },
        Platform::Windows => set("APPDATA").ok_or(LocateError::NoDataDir("APPDATA"))?,
        Platform::Macos => format!(
            "{}/Library/Application Support",
            set("HOME").ok_or(LocateError::NoDataDir("HOME"))?
        ),
    };
    let data = data.trim_end_matches(sep).to_owned();
    let app = match safe_dir_name(app) {
        name if name.is_empty() => "[unnamed project]".to_owned(),
        name => name,
    };
    Ok(match custom_user_dir.map(safe_dir_name) {
        Some(custom) if !custom.is_empty() => format!("{data}{sep}{custom}"),
        _ => format!(
            "{data}{sep}{godot}{sep}app_userdata{sep}{app}",
            godot = platform.godot_dir_name()
        ),
    })
}

/// How the save folder was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RootSource {
    /// `--root` or `SAVEKEEP_ROOT`.
    Option,
    /// Godot's `user://saves` of the project.
    GodotDefault,
}

/// The save folder savekeep works on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The folder.
    pub root: PathBuf,
    /// How it was chosen.
    pub source: RootSource,
    /// The project name used, for the Godot default.
    pub app: Option<String>,
    /// The platform whose conventions were applied.
    pub platform: Platform,
}

/// Resolves the save folder: an explicit root wins; otherwise the app name
/// (flag/env, else `project.godot` in `project_dir`) gives Godot's default.
pub fn locate(
    root: Option<&Path>,
    app: Option<&str>,
    project_dir: &Path,
) -> Result<Location, LocateError> {
    let platform = Platform::current();
    if let Some(root) = root {
        return Ok(Location {
            root: root.to_path_buf(),
            source: RootSource::Option,
            app: app.map(str::to_owned),
            platform,
        });
    }
    let project = read_project_file(&project_dir.join("project.godot"))
        .map(|text| ProjectSettings::parse(&text))
        .unwrap_or_default();
    let (app, custom) = match app {
        Some(app) => (app.to_owned(), None),
        None => (
            project.name.ok_or(LocateError::NoApp)?,
            project.custom_user_dir,
        ),
    };
    let user = godot_user_dir(platform, &app, custom.as_deref(), &|k| {
        std::env::var(k).ok()
    })?;
    Ok(Location {
        root: PathBuf::from(user).join(SAVES_SUBDIR),
        source: RootSource::GodotDefault,
        app: Some(app),
        platform,
    })
}

/// Largest `project.godot` read (real ones are a few kilobytes).
const MAX_PROJECT_FILE: u64 = 1 << 20;

/// Reads `project.godot` without blocking on a FIFO or device planted in its
/// place, and never more than [`MAX_PROJECT_FILE`] bytes.
fn read_project_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let file = backup_core::open_regular(path, true)?;
    let mut bytes = Vec::new();
    file.take(MAX_PROJECT_FILE).read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn linux_prefers_xdg_data_home_then_home() {
        let with_xdg = env(&[("XDG_DATA_HOME", "/data"), ("HOME", "/home/a")]);
        assert_eq!(
            godot_user_dir(Platform::Linux, "Wing Commander", None, &with_xdg).unwrap(),
            "/data/godot/app_userdata/Wing Commander"
        );
        let home_only = env(&[("HOME", "/home/a")]);
        assert_eq!(
            godot_user_dir(Platform::Linux, "Game", None, &home_only).unwrap(),
            "/home/a/.local/share/godot/app_userdata/Game"
        );
        // A relative XDG_DATA_HOME is invalid per the XDG spec and ignored.
        let relative = env(&[("XDG_DATA_HOME", "data"), ("HOME", "/home/a")]);
        assert_eq!(
            godot_user_dir(Platform::Linux, "Game", None, &relative).unwrap(),
            "/home/a/.local/share/godot/app_userdata/Game"
        );
        assert_eq!(
            godot_user_dir(Platform::Linux, "Game", None, &env(&[])),
            Err(LocateError::NoDataDir("HOME"))
        );
    }

    #[test]
    fn windows_and_macos_use_their_data_folders() {
        let win = env(&[("APPDATA", r"C:\Users\a\AppData\Roaming")]);
        assert_eq!(
            godot_user_dir(Platform::Windows, "Game", None, &win).unwrap(),
            r"C:\Users\a\AppData\Roaming\Godot\app_userdata\Game"
        );
        let mac = env(&[("HOME", "/Users/a")]);
        assert_eq!(
            godot_user_dir(Platform::Macos, "Game", None, &mac).unwrap(),
            "/Users/a/Library/Application Support/Godot/app_userdata/Game"
        );
    }

    #[test]
    fn names_are_made_safe_like_godot_does() {
        assert_eq!(safe_dir_name("  A: B/C?  "), "A- B-C-");
        assert_eq!(safe_dir_name(".."), "twodots");
        assert_eq!(safe_dir_name("Game..."), "Game");
        let home = env(&[("HOME", "/h")]);
        assert_eq!(
            godot_user_dir(Platform::Linux, "  ", None, &home).unwrap(),
            "/h/.local/share/godot/app_userdata/[unnamed project]"
        );
        assert_eq!(
            godot_user_dir(Platform::Linux, "Game", Some("studio/game"), &home).unwrap(),
            "/h/.local/share/studio-game"
        );
    }

    #[test]
    fn project_godot_gives_name_and_custom_dir() {
        let text = "config_version=5\n[application]\nconfig/name=\"Wing \\\"WC\\\" Commander\"\nconfig/use_custom_user_dir=true\nconfig/custom_user_dir_name=\"wc\"\n[display]\nconfig/name=\"not this\"\n";
        assert_eq!(
            ProjectSettings::parse(text),
            ProjectSettings {
                name: Some("Wing \"WC\" Commander".into()),
                custom_user_dir: Some("wc".into()),
            }
        );
        let off = "[application]\nconfig/name=\"G\"\nconfig/custom_user_dir_name=\"wc\"\n";
        assert_eq!(ProjectSettings::parse(off).custom_user_dir, None);
    }
}
