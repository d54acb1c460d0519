//! The index: folds log records into steps, keeps the SQLite catalog and the full-text index.
