//! End-to-end tests: the whole pipeline, from a study folder to the PDFs, checked by
//! reading the PDFs back with `pdftotext` (poppler-utils, installed by `.ci/run`).

mod support;

mod report;
