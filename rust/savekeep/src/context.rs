//! What every command gets: the save folder, output choices, and the two
//! ways of opening the store (read-only while the game runs, or as the
//! single writer).

use std::cell::RefCell;
use std::io::IsTerminal;

use backup_core::{Error as CoreError, QuarantineLimits, SlotStore, StartupAction, StoreOptions};

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
    /// What start-up recovery did when the store was opened as writer
    /// (`None`: not opened as writer); `main` reports it for every command
    /// that opened the folder as writer, whether it succeeded or not.
    pub startup: RefCell<Option<Vec<StartupAction>>>,
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
                // savekeep never deletes quarantined files: the game prunes
                // them within its own limits, which savekeep does not know.
                quarantine: QuarantineLimits::UNLIMITED,
                ..StoreOptions::default()
            },
            startup: RefCell::new(None),
        })
    }

    /// Checks a slot number against the flags before anything is opened, so
    /// that a mistyped argument fails without creating the lock file.
    pub fn check_slot(&self, slot: i64) -> CliResult<u32> {
        match u32::try_from(slot) {
            Ok(s) if s < self.options.slot_count => Ok(s),
            _ => Err(CoreError::InvalidSlot {
                slot,
                max: self.options.slot_count.saturating_sub(1),
            }
            .into()),
        }
    }

    /// Checks a backup level against the flags before anything is opened.
    pub fn check_level(&self, level: i64) -> CliResult<u32> {
        match u32::try_from(level) {
            Ok(l) if l < self.options.backup_levels => Ok(l),
            _ => Err(CoreError::InvalidBackupLevel {
                level,
                max: self.options.backup_levels.saturating_sub(1),
            }
            .into()),
        }
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
        self.opened(SlotStore::open(&self.location.root, options)?)
    }

    /// Opens the store as its single writer, creating the folder if needed
    /// (importing onto a machine where the game never ran).
    pub fn open_writer_creating(&self) -> CliResult<SlotStore> {
        self.opened(SlotStore::open(&self.location.root, self.options.clone())?)
    }

    fn opened(&self, store: SlotStore) -> CliResult<SlotStore> {
        self.startup
            .borrow_mut()
            .get_or_insert_with(Vec::new)
            .extend(store.startup_actions().iter().cloned());
        Ok(store)
    }
}
