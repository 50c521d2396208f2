//! `savekeep where`: the save folder and how it was chosen.

use serde::Serialize;

use crate::context::Ctx;
use crate::exit::{CliResult, EXIT_OK};
use crate::location::{Platform, RootSource};
use crate::output::Done;
use crate::report::display_path;

/// JSON body of `where`.
#[derive(Debug, Serialize)]
pub struct WhereReport {
    /// The save folder.
    pub root: String,
    /// `option` (--root or SAVEKEEP_ROOT) or `godot_default`.
    pub source: RootSource,
    /// Project name used for the Godot default.
    pub app: Option<String>,
    /// Whose conventions were applied: `linux`, `windows` or `macos`.
    pub platform: Platform,
    /// Whether the folder exists.
    pub exists: bool,
}

/// Runs `where`. Touches nothing.
pub fn run(ctx: &Ctx) -> CliResult<Done> {
    let loc = &ctx.location;
    let report = WhereReport {
        root: display_path(&loc.root),
        source: loc.source,
        app: loc.app.clone(),
        platform: loc.platform,
        exists: loc.root.is_dir(),
    };
    let how = match (loc.source, &loc.app) {
        (RootSource::Option, _) => "given with --root or SAVEKEEP_ROOT".to_owned(),
        (RootSource::GodotDefault, Some(app)) => {
            format!("user://saves of the Godot project \"{app}\"")
        }
        (RootSource::GodotDefault, None) => "user://saves of the Godot project".to_owned(),
    };
    let human = format!(
        "{}\n  ({how}; {})\n",
        report.root,
        if report.exists {
            "exists"
        } else {
            "does not exist yet"
        }
    );
    Ok(Done::new(&report, human, EXIT_OK))
}
