//! Progress for long work: a bar on an interactive terminal, plain log lines when
//! the output is a pipe, a file or CI (where a redrawn bar would be noise).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Counts finished items of a known total.
pub struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    done: std::sync::atomic::AtomicU64,
}

impl Progress {
    /// Starts counting `total` items of `what`.
    pub fn new(total: u64, what: &str) -> Progress {
        let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = interactive.then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(&format!(
                "{{bar:30}} {{pos}}/{{len}} {what} {{wide_msg}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Progress {
            bar,
            total,
            done: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// One item finished, described by `message`.
    pub fn finish_one(&self, message: &str) {
        let n = self.done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        match &self.bar {
            Some(bar) => {
                bar.set_message(message.to_owned());
                bar.inc(1);
            }
            None => eprintln!("[{n}/{}] {message}", self.total),
        }
    }

    /// Removes the bar.
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A spinner for one long step of unknown length, shown only on an interactive
/// terminal; elsewhere one plain line says the step started.
pub struct Spinner {
    bar: Option<ProgressBar>,
}

impl Spinner {
    /// Starts a spinner labelled `message`.
    pub fn start(message: &str) -> Spinner {
        let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        if !interactive {
            eprintln!("{message} ...");
            return Spinner { bar: None };
        }
        let bar = ProgressBar::new_spinner();
        bar.set_message(message.to_owned());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Spinner { bar: Some(bar) }
    }
}

/// A [`Spinner`] that appears only when the work is still running after a delay:
/// quick runs print nothing, a slow one says what it is doing.
pub struct LateSpinner {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LateSpinner {
    /// Starts a spinner labelled `message` once `after` has passed.
    pub fn start(message: &str, after: std::time::Duration) -> LateSpinner {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let message = message.to_owned();
        let thread = std::thread::spawn(move || {
            // Disconnected: the work ended first.
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(after) {
                let _spinner = Spinner::start(&message);
                // Until the work ends (the sender is dropped or sends).
                let _ = stopped.recv();
            }
        });
        LateSpinner {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for LateSpinner {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
