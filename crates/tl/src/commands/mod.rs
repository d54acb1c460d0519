//! One module per subcommand.

pub mod debug;
pub mod hook;
pub mod import;
pub mod install;
pub mod rules;
pub mod status;
