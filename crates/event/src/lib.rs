//! The event model: one `Event` per observation of an agent, and its versioned binary codec.
