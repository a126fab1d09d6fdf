//! One integration-test binary (one link on two cores), a module per area. Every test
//! runs the real binary or library against a real fixture target on loopback.

mod ai;
mod auth;
mod cli;
mod demo;
mod dns_edges;
mod docs;
mod edge;
mod email;
mod engine;
mod example;
mod exposure;
mod hostile;
mod init;
mod journeys;
mod load;
mod login;
mod network;
mod profile_errors;
mod redaction;
mod reports;
mod repository;
mod secret_corpus;
mod spf_conformance;
mod stacks;
mod support;
mod tls_legacy;
mod verdicts;
mod writes;
