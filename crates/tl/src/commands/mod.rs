//! One module per subcommand.

pub mod debug;
pub mod demo;
pub mod export;
pub mod hook;
pub mod import;
pub mod install;
pub mod maintain;
pub mod read;
pub mod rules;
pub mod search;
pub mod status;
pub mod view;
