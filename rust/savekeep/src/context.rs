//! What every command gets: the save folder, output choices, and the two
//! ways of opening the store (read-only while the game runs, or as the
//! single writer).

use std::io::IsTerminal;

use backup_core::{Error as CoreError, SlotStore, StoreOptions};

use crate::cli::{ColorChoice, GlobalArgs};
use crate::exit::CliResult;
use crate::location::{locate, Location};
use crate::output::Ui;

/// Shared state of one savekeep run.
#[derive(Debug)]
pub struct Ctx {
    /// The save folder.
    pub location: Location,
    /// Human rendering choices.
    pub ui: Ui,
    /// Store options derived from the flags (slot count, backup levels).
    pub options: StoreOptions,
}

impl Ctx {
    /// Builds the context from the global flags.
    pub fn new(args: &GlobalArgs) -> CliResult<Ctx> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let location = locate(args.root.as_deref(), args.app.as_deref(), &cwd)?;
        let tty = std::io::stdout().is_terminal();
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        let keys = crate::keys::load(args.key_file.as_deref())?;
        Ok(Ctx {
            location,
            ui: Ui { color, tty },
            options: StoreOptions {
                slot_count: args.slots,
                backup_levels: args.backup_levels,
                keys,
                ..StoreOptions::default()
            },
        })
    }

    /// Opens the store without the writer lock: works while the game runs,
    /// and refuses every change.
    pub fn open_read_only(&self) -> CliResult<SlotStore> {
        let options = StoreOptions {
            read_only: true,
            ..self.options.clone()
        };
        Ok(SlotStore::open(&self.location.root, options)?)
    }

    /// Opens the store as its single writer. The folder must exist: a typo
    /// in --root must not create an empty save folder.
    pub fn open_writer(&self) -> CliResult<SlotStore> {
        self.open_writer_with(self.options.clone())
    }

    /// [`Ctx::open_writer`] with other store options (e.g. a retention policy).
    pub fn open_writer_with(&self, options: StoreOptions) -> CliResult<SlotStore> {
        if !self.location.root.exists() {
            return Err(CoreError::NotFound {
                what: "save root",
                path: self.location.root.clone(),
            }
            .into());
        }
        Ok(SlotStore::open(&self.location.root, options)?)
    }

    /// Opens the store as its single writer, creating the folder if needed
    /// (importing onto a machine where the game never ran).
    pub fn open_writer_creating(&self) -> CliResult<SlotStore> {
        Ok(SlotStore::open(&self.location.root, self.options.clone())?)
    }
}
