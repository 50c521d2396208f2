//! savekeep: inspect, verify, repair and move the save folder of a game that
//! uses the backup_system addon, without starting the game.
//!
//! Exit codes: 0 success, 1 damaged files found (or left damaged), 2 usage or
//! I/O error (see `exit`). Every command prints one JSON document with
//! `--json` (see `output::Envelope` and the README for the schema).

mod cli;
mod commands;
mod context;
mod exit;
mod keys;
mod location;
mod output;
mod report;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use commands::{health, list, repair, snapshots, transfer, verify, where_cmd};
use context::Ctx;
use exit::CliResult;
use output::{escape_terminal, Done, Envelope, Tone, Ui, SCHEMA_VERSION};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.name();
    let json = cli.global.json;
    let ctx = Ctx::new(&cli.global);
    let ui = ctx.as_ref().map(|c| c.ui).unwrap_or(Ui {
        color: false,
        tty: false,
    });
    let (result, startup) = match ctx {
        Ok(ctx) => {
            let result = dispatch(&ctx, &cli.command);
            (result, ctx.startup.take())
        }
        Err(e) => (Err(e), None),
    };
    // What opening the folder as writer changed, for every command, also
    // when the command itself then failed.
    let startup_json = startup
        .as_ref()
        .map(|s| serde_json::to_value(s).unwrap_or_default());
    let startup_text: String = startup
        .iter()
        .flatten()
        .map(|a| format!("Opening the folder {}.\n", a.describe()))
        .collect();
    let exit = match result {
        Ok(mut done) => {
            let text = if json {
                if let (Some(body), Some(actions)) = (done.json.as_object_mut(), startup_json) {
                    body.entry("startup_actions").or_insert(actions);
                }
                envelope(command, done.exit, done.json)
            } else {
                escape_terminal(&(startup_text + &done.human), ui.color)
            };
            print_stdout(&text);
            done.exit
        }
        Err(error) => {
            let exit = error.exit_code();
            if json {
                let mut body = serde_json::json!({ "error": {
                    "kind": error.kind(),
                    "message": error.to_string(),
                    "hint": error.hint(),
                }});
                if let Some(actions) = startup_json {
                    body["startup_actions"] = actions;
                }
                print_stdout(&envelope(command, exit, body));
            }
            let mut message = escape_terminal(&startup_text, false);
            message.push_str(&format!(
                "{} {}\n",
                ui.paint("error:", Tone::Bad),
                escape_terminal(&error.to_string(), false)
            ));
            if let Some(hint) = error.hint() {
                message.push_str(&format!("hint: {}\n", escape_terminal(&hint, false)));
            }
            let _ = std::io::stderr().write_all(message.as_bytes());
            exit
        }
    };
    ExitCode::from(exit)
}

fn dispatch(ctx: &Ctx, command: &Command) -> CliResult<Done> {
    match command {
        Command::List => list::run(ctx),
        Command::Verify => verify::run(ctx),
        Command::Repair { slot, yes } => repair::run_repair(ctx, *slot, *yes),
        Command::Restore { slot, level } => repair::run_restore(ctx, *slot, *level),
        Command::Snapshots(sub) => snapshots::run(ctx, sub),
        Command::Where => where_cmd::run(ctx),
        Command::Health => health::run(ctx),
        Command::Export { slot, file, force } => transfer::run_export(ctx, *slot, file, *force),
        Command::Import { file, slot } => transfer::run_import(ctx, file, *slot),
    }
}

fn envelope(command: &str, exit_code: u8, body: serde_json::Value) -> String {
    let envelope = Envelope {
        schema_version: SCHEMA_VERSION,
        command,
        exit_code,
        body,
    };
    let mut text = serde_json::to_string_pretty(&envelope).unwrap_or_else(|e| {
        format!("{{\"schema_version\":{SCHEMA_VERSION},\"error\":{{\"kind\":\"json\",\"message\":\"{e}\"}}}}")
    });
    text.push('\n');
    text
}

/// Writes to stdout, ignoring a closed pipe (`savekeep list | head`).
fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
