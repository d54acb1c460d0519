//! Capture: turns agent hook payloads and transcripts into `event::Event`s, redacting secrets first.
