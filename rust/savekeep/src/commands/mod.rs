//! One module per subcommand.

pub mod list;
pub mod repair;
pub mod snapshots;
pub mod verify;
pub mod where_cmd;
