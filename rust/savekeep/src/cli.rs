//! The command line: every flag, subcommand and help text lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Examples:
  savekeep --app \"Wing Commander\" list     slots of a game, from the default save folder
  savekeep --root ./saves verify            check every file; exit code 1 if something is damaged
  savekeep repair 2                         put slot 2 back from its newest valid copy (asks first)
  savekeep restore 2 1                      put backup level 1 of slot 2 back
  savekeep export 2 slot2.json              write slot 2 to one file you can send to support
  savekeep import slot2.json --slot 5       bring that file back as slot 5
  savekeep snapshots prune --keep-last 10   apply the retention rules to automated snapshots
  savekeep --json verify | jq .summary      machine-readable output

Exit codes:
  0  success; everything verified
  1  damaged files found (or left damaged: a refused repair, a slot with no valid copy)
  2  usage error, I/O error, save folder missing or in use by the game

Environment:
  SAVEKEEP_ROOT   save folder (same as --root)
  SAVEKEEP_APP    Godot project name (same as --app)
  NO_COLOR        disables colour (same as --color never)";

/// Inspect, verify, repair and move the save folder of a game that uses the
/// backup_system addon, without starting the game.
#[derive(Debug, Parser)]
#[command(name = "savekeep", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Save folder to work on. Default: the game's user://saves (see `savekeep where`).
    #[arg(long, global = true, env = "SAVEKEEP_ROOT", value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Godot project name (application/config/name) used to find the default save folder.
    /// Default: read from ./project.godot when there is one.
    #[arg(long, global = true, env = "SAVEKEEP_APP", value_name = "NAME")]
    pub app: Option<String>,
    /// Print one JSON document on stdout instead of tables (schema in the README).
    #[arg(long, global = true)]
    pub json: bool,
    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Number of save slots the game uses (slots 0..N-1).
    #[arg(long, global = true, default_value_t = 10, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub slots: u32,
    /// Rolling backup levels the game keeps per slot.
    #[arg(long, global = true, default_value_t = 3, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=100))]
    pub backup_levels: u32,
    /// File holding the game's save key (32 raw bytes, or 64 hex digits) for
    /// encrypted saves. The key itself is never taken from the command line:
    /// use this, or the SAVEKEEP_KEY (64 hex digits) or SAVEKEEP_PASSPHRASE
    /// environment variables.
    #[arg(long, global = true, env = "SAVEKEEP_KEY_FILE", value_name = "PATH")]
    pub key_file: Option<PathBuf>,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the slots: who, which campaign, sizes, times, and the state of every backup.
    List,
    /// Verify every file (saves, backups, snapshots) and say what is wrong and what to do.
    ///
    /// Exit code 0 when everything verified, 1 when a file is damaged, 2 on I/O errors.
    #[command(
        after_help = "Examples:\n  savekeep verify\n  savekeep --json verify | jq '.problems[].advice'"
    )]
    Verify,
    /// The health report: overall health, recommendations and the trend since the game's last check.
    Health,
    /// Put back the newest valid copy of a slot whose current save is damaged or missing.
    ///
    /// The damaged file is moved to quarantine/, never deleted. Asks for confirmation on
    /// stdin unless --yes is given. Needs the game to be closed.
    #[command(
        after_help = "Examples:\n  savekeep repair 2          shows the plan, asks [y/N]\n  savekeep repair 2 --yes    for scripts"
    )]
    Repair {
        /// Slot to repair.
        slot: i64,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Put a rolling backup level back as the slot's current save.
    ///
    /// The save it replaces is kept as a "Before restore" snapshot (or quarantined if damaged).
    Restore {
        /// Slot to restore.
        slot: i64,
        /// Backup level, 0 = newest.
        level: i64,
    },
    /// Write one slot's current save to a portable file (to keep, or to send to support).
    Export {
        /// Slot to export.
        slot: i64,
        /// File to write.
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Bring an exported file back as a slot. The file is verified before anything is written.
    ///
    /// A save already in the target slot is kept as a snapshot and as backup level 0.
    #[command(
        after_help = "Examples:\n  savekeep import slot2.json            into the first free slot\n  savekeep import slot2.json --slot 2   replace slot 2 (its save is kept as a snapshot)"
    )]
    Import {
        /// File written by `savekeep export` or the game's export.
        file: PathBuf,
        /// Target slot; default: the first slot with no file at all.
        #[arg(long, value_name = "N")]
        slot: Option<i64>,
    },
    /// Snapshots beyond the rolling backups: list, create, prune.
    #[command(subcommand)]
    Snapshots(SnapshotsCommand),
    /// Print the save folder savekeep uses, and how it was chosen.
    Where,
}

/// `savekeep snapshots ...`.
#[derive(Debug, Subcommand)]
pub enum SnapshotsCommand {
    /// List and verify snapshots (of one slot, or of all).
    List {
        /// Only this slot.
        slot: Option<i64>,
    },
    /// Snapshot a slot's current save (a manual snapshot: retention never removes it).
    Create {
        /// Slot to snapshot.
        slot: i64,
        /// Display name.
        #[arg(long, default_value = "savekeep")]
        name: String,
        /// Free text.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Remove automated snapshots that the retention rules do not keep.
    ///
    /// Manual, pre-restore and safety snapshots are never removed, nor the last valid
    /// copy of a slot.
    #[command(
        after_help = "Examples:\n  savekeep snapshots prune --dry-run\n  savekeep snapshots prune 2 --keep-last 5 --keep-daily 7 --keep-weekly 4"
    )]
    Prune {
        /// Only this slot (default: every slot).
        slot: Option<i64>,
        /// Keep the newest N automated snapshots.
        #[arg(long, default_value_t = 30, value_name = "N")]
        keep_last: usize,
        /// Also keep the newest snapshot of each of the last N days.
        #[arg(long, default_value_t = 0, value_name = "N")]
        keep_daily: usize,
        /// Also keep the newest snapshot of each of the last N ISO weeks.
        #[arg(long, default_value_t = 0, value_name = "N")]
        keep_weekly: usize,
        /// Only show what would be removed.
        #[arg(long, short = 'n')]
        dry_run: bool,
    },
}

impl Command {
    /// The name used in JSON output (`"command"`).
    pub fn name(&self) -> &'static str {
        match self {
            Command::List => "list",
            Command::Verify => "verify",
            Command::Health => "health",
            Command::Repair { .. } => "repair",
            Command::Restore { .. } => "restore",
            Command::Export { .. } => "export",
            Command::Import { .. } => "import",
            Command::Snapshots(SnapshotsCommand::List { .. }) => "snapshots list",
            Command::Snapshots(SnapshotsCommand::Create { .. }) => "snapshots create",
            Command::Snapshots(SnapshotsCommand::Prune { .. }) => "snapshots prune",
            Command::Where => "where",
        }
    }
}
