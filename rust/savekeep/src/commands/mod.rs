//! One module per subcommand.

pub mod health;
pub mod list;
pub mod repair;
pub mod snapshots;
pub mod transfer;
pub mod verify;
pub mod where_cmd;
