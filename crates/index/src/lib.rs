//! The index: folds log records into steps, keeps the SQLite catalog and the full-text index.
//!
//! - [`steps`]: the pure core, [`StepFolder`], which folds `(Lsn, Event)` records into [`Step`]s,
//!   merging the copies a hook and a transcript give of the same action.
//! - [`query`]: the query language of `tl search`, parsed without touching any index.
//! - [`fulltext`]: the tantivy index, one document per step, and search over it.

pub mod fulltext;
pub mod query;
mod severity;
pub mod steps;

pub use fulltext::{
    FullText, FullTextError, FullTextWriter, Hit, Order, SearchRequest, Snippet, StepDoc,
};
pub use query::{Filters, Query, QueryError, TextClause};
pub use severity::Severity;

pub use steps::{
    FolderConfig, NoRecall, Recall, Seq, Sources, Step, StepFolder, StepKey, StepOutcome,
    StepUpdate,
};
