//! End-to-end tests: the whole pipeline, from a study folder to the PDFs, checked by
//! reading the PDFs back with lopdf (`support::pdf_text`), so no system tool is needed.
//! One test binary, one module per topic.

mod support;

mod diff;
mod disclosure;
mod documents;
mod faults;
mod hardening;
mod incremental;
mod numbers;
mod prose;
mod report;
mod tidy;
mod typst;
mod verify;
