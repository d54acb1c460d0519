//! The index: folds log records into steps, keeps the SQLite catalog and the full-text index.
//!
//! - [`steps`]: the pure core, [`StepFolder`], which folds `(Lsn, Event)` records into [`Step`]s,
//!   merging the copies a hook and a transcript give of the same action.

mod severity;
pub mod steps;

pub use severity::Severity;

pub use steps::{
    FolderConfig, NoRecall, Recall, Seq, Sources, Step, StepFolder, StepKey, StepOutcome,
    StepUpdate,
};
