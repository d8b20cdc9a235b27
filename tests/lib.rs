//! Nothing to see here: this package only hosts the end-to-end test binary in `e2e/`.
