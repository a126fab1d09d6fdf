//! The secret scanner against a corpus of fakes (fixtures/corpus): every true positive
//! found, no false positive. Prints precision and recall.

use std::path::Path;

use launch_audit::checks::exposure::secret_scan;

fn files(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus")
        .join(dir);
    let mut out: Vec<(String, String)> = std::fs::read_dir(root)
        .expect("corpus present")
        .map(|entry| {
            let path = entry.expect("entry").path();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&path).expect("text"),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
#[allow(
    clippy::print_stdout,
    reason = "the issue asks the test to print precision and recall"
)]
fn every_true_positive_found_and_no_false_positive() {
    let findings = |text: &str| {
        secret_scan::scan(text)
            .into_iter()
            .filter(|h| !h.public)
            .count()
    };
    let positives = files("positives");
    let negatives = files("negatives");
    let missed: Vec<&String> = positives
        .iter()
        .filter(|(_, text)| findings(text) == 0)
        .map(|(name, _)| name)
        .collect();
    let false_alarms: Vec<(&String, Vec<String>)> = negatives
        .iter()
        .filter(|(_, text)| findings(text) > 0)
        .map(|(name, text)| {
            (
                name,
                secret_scan::scan(text)
                    .into_iter()
                    .filter(|h| !h.public)
                    .map(|h| h.rule)
                    .collect(),
            )
        })
        .collect();
    let true_positives = positives.len() - missed.len();
    let precision = true_positives as f64 / (true_positives + false_alarms.len()).max(1) as f64;
    let recall = true_positives as f64 / positives.len().max(1) as f64;
    println!(
        "secret corpus: {} positives, {} negatives; precision {precision:.2}, recall {recall:.2}",
        positives.len(),
        negatives.len()
    );
    assert!(missed.is_empty(), "missed: {missed:?}");
    assert!(false_alarms.is_empty(), "false positives: {false_alarms:?}");
    assert!(
        positives.len() >= 15 && negatives.len() >= 8,
        "the corpus is not empty"
    );
}
