//! The index: folds log records into steps, keeps the SQLite catalog and the full-text index.
//!
//! - [`steps`]: the pure core, [`StepFolder`], which folds `(Lsn, Event)` records into [`Step`]s,
//!   merging the copies a hook and a transcript give of the same action.
//! - [`catalog`]: the SQLite catalog of sessions, steps, findings and cursors.
//! - [`query`]: the query language of `tl search`, parsed without touching any index.
//! - [`fulltext`]: the tantivy index, one document per step, and search over it.
//! - [`indexer`]: follows the log into both, exactly once, with findings from a [`Judge`].
//! - [`logread`]: reading records back by LSN (step bodies stay in the log).

pub mod catalog;
pub mod fulltext;
pub mod indexer;
pub mod logread;
pub mod query;
mod severity;
pub mod steps;

pub use catalog::{
    Batch, Catalog, CatalogError, CatalogRecall, FindingRow, ModelUsage, NewFinding, SessionFilter,
    SessionRow, SeverityCounts, StepFilter, StepRow, StepStats,
};
pub use fulltext::{
    FullText, FullTextError, FullTextWriter, Hit, Order, SearchRequest, Snippet, StepDoc,
};
pub use indexer::{CURSOR, CatchUp, IndexError, Indexer, IndexerConfig, Judge, NoJudge, Progress};
pub use logread::LogLookup;
pub use query::{Filters, Query, QueryError, TextClause};
pub use severity::Severity;
pub use steps::{
    FolderConfig, NoRecall, Recall, Seq, Sources, Step, StepFolder, StepKey, StepOutcome,
    StepUpdate,
};
