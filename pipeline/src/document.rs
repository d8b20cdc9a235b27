//! The documents the pipeline builds, described as plain data: which template fills
//! each, the stem its files are named by, the PDF standards Typst enforces on it and
//! what it reads. Adding a document kind means adding one [`Document`] here and its
//! template under `report/`; nothing else compares document names.

/// A PDF standard Typst checks a document against (`--pdf-standard`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfStandard {
    /// PDF/A-3a: archival, tagged, with attachments allowed.
    A3a,
    /// PDF/UA-1: accessible (tagged structure, alternative texts).
    Ua1,
}

impl PdfStandard {
    /// The name Typst's command line uses.
    pub fn typst_name(self) -> &'static str {
        match self {
            PdfStandard::A3a => "a-3a",
            PdfStandard::Ua1 => "ua-1",
        }
    }
}

/// Something a document is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Every file of the study folder (`data/...` in the input manifest).
    Data,
    /// Its own template (`report/<template>`).
    Template,
    /// The template parts both documents import (`report/*.j2` that are no
    /// document's template, such as `report/words.j2`).
    TemplateParts,
    /// The shared Typst library (`report/lib.typ`).
    Library,
    /// The vendored fonts (`report/fonts/...`).
    Fonts,
    /// The statistics (`stats.json`).
    Statistics,
    /// The figures and their alternative texts.
    Figures,
}

/// One document the pipeline fills and compiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Document {
    /// The stem of its files: `<stem>.typ`, `<stem>.pdf`, `<stem>.inputs.sha256`.
    pub stem: &'static str,
    /// The template under `report/` that fills it.
    pub template: &'static str,
    /// The PDF standards its PDF must meet.
    pub standards: &'static [PdfStandard],
    /// What it is made from.
    pub reads: &'static [Reads],
}

/// Everything a document of the report reads today.
const ALL_READS: &[Reads] = &[
    Reads::Data,
    Reads::Template,
    Reads::TemplateParts,
    Reads::Library,
    Reads::Fonts,
    Reads::Statistics,
    Reads::Figures,
];

/// The technical brief (A4): archival and accessible, with attachments.
pub const BRIEF: Document = Document {
    stem: "brief",
    template: "brief.typ.j2",
    standards: &[PdfStandard::A3a, PdfStandard::Ua1],
    reads: ALL_READS,
};

/// The slide deck (16:9): accessible.
pub const DECK: Document = Document {
    stem: "deck",
    template: "deck.typ.j2",
    standards: &[PdfStandard::Ua1],
    reads: ALL_READS,
};

/// The documents, in the order they are listed and built.
pub const DOCUMENTS: [Document; 2] = [BRIEF, DECK];

/// The folder (inside the output folder, and Typst's root) that holds the figures.
pub const FIGURES_DIR: &str = "figures";

/// The path of figure `name` relative to the output folder, as templates include it.
pub fn figure_file(name: &str) -> String {
    format!("{FIGURES_DIR}/{name}.svg")
}

impl Document {
    /// The document whose stem is `stem`.
    pub fn by_stem(stem: &str) -> Option<&'static Document> {
        DOCUMENTS.iter().find(|d| d.stem == stem)
    }

    /// The standards as one `--pdf-standard` value, e.g. `a-3a,ua-1`.
    pub fn standards_arg(&self) -> String {
        let names: Vec<&str> = self.standards.iter().map(|s| s.typst_name()).collect();
        names.join(",")
    }

    /// The name of the manifest of this document's inputs (attached to the PDF).
    pub fn inputs_manifest(&self) -> String {
        format!("{}.inputs.sha256", self.stem)
    }

    /// Whether the input at logical path `path` (`data/...`, `report/...`, as in the
    /// input manifest) shapes this document.
    pub fn reads_input(&self, path: &str) -> bool {
        self.reads.iter().any(|r| match r {
            Reads::Data => path.starts_with("data/"),
            Reads::Template => path.strip_prefix("report/") == Some(self.template),
            Reads::TemplateParts => path.strip_prefix("report/").is_some_and(|name| {
                name.ends_with(".j2")
                    && !name.contains('/')
                    && DOCUMENTS.iter().all(|d| d.template != name)
            }),
            Reads::Library => path == "report/lib.typ",
            Reads::Fonts => path.starts_with("report/fonts/"),
            Reads::Statistics | Reads::Figures => false,
        })
    }

    /// Whether it reads `what`.
    pub fn reads(&self, what: Reads) -> bool {
        self.reads.contains(&what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_document_reads_its_own_template_only() {
        assert!(BRIEF.reads_input("report/brief.typ.j2"));
        assert!(!BRIEF.reads_input("report/deck.typ.j2"));
        assert!(DECK.reads_input("report/deck.typ.j2"));
        assert!(BRIEF.reads_input("report/words.j2") && DECK.reads_input("report/words.j2"));
        for doc in &DOCUMENTS {
            assert!(doc.reads_input("data/raw/ties.csv"));
            assert!(doc.reads_input("report/fonts/x.ttf"));
            assert!(doc.reads_input("report/lib.typ"));
            assert!(!doc.reads_input("report/other.typ"));
        }
    }

    #[test]
    fn names_and_standards() {
        assert_eq!(BRIEF.standards_arg(), "a-3a,ua-1");
        assert_eq!(DECK.standards_arg(), "ua-1");
        assert_eq!(BRIEF.inputs_manifest(), "brief.inputs.sha256");
        assert_eq!(Document::by_stem("deck"), Some(&DECK));
        assert_eq!(Document::by_stem("poster"), None);
        assert_eq!(figure_file("codes"), "figures/codes.svg");
    }
}
