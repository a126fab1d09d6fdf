//! SPF: the record grammar, macros and `check_host()`, and the `email.spf` check, which
//! reads the domain's record, walks its include tree, counts what receivers will count,
//! and evaluates `check_host()` for every sender the profile declares.

pub mod eval;
pub mod macros;
pub mod syntax;

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use super::{has_null_mx, needs_domain};
use crate::check::{Applicability, Check, CheckFuture};
use crate::checks::email::cfg::Sender;
use crate::ctx::Ctx;
use crate::net::Dns;
use crate::profile::{Absent, Profile};
use crate::result::{Finding, Observation, Status};
use eval::{Fetched, MAX_DNS_TERMS, MAX_VOID_LOOKUPS, SpfResult};
use syntax::{Mechanism, Qualifier, Record};

pub struct Spf;

/// One node of the include tree.
#[derive(Debug, Default)]
pub struct Node {
    pub domain: String,
    pub record: Option<String>,
    /// DNS-querying terms in this record (include, a, mx, ptr, exists, redirect).
    pub lookups: u32,
    /// Static targets of a/mx/exists here that answered NXDOMAIN or NODATA.
    pub voids: u32,
    pub uses_ptr: bool,
    pub problem: Option<String>,
    pub children: Vec<Node>,
}

impl Node {
    pub fn total_lookups(&self) -> u32 {
        self.lookups + self.children.iter().map(Node::total_lookups).sum::<u32>()
    }

    pub fn total_voids(&self) -> u32 {
        self.voids + self.children.iter().map(Node::total_voids).sum::<u32>()
    }

    fn any(&self, test: &dyn Fn(&Node) -> bool) -> bool {
        test(self) || self.children.iter().any(|c| c.any(test))
    }

    /// `acme.test (3) → _spf.mailer.acme.test (1)`, one line per node.
    pub fn render(&self, depth: usize, out: &mut Vec<String>) {
        let problem = self
            .problem
            .as_deref()
            .map(|p| format!(" — {p}"))
            .unwrap_or_default();
        out.push(format!(
            "{}{} ({} lookups){problem}",
            "  ".repeat(depth),
            self.domain,
            self.lookups
        ));
        for child in &self.children {
            child.render(depth + 1, out);
        }
    }
}

/// The include/redirect tree of `domain`, bounded in depth (a loop ends as a problem).
pub fn analyse<'a>(
    dns: &'a Dns,
    domain: String,
    path: Vec<String>,
) -> Pin<Box<dyn Future<Output = Node> + Send + 'a>> {
    Box::pin(async move {
        let mut node = Node {
            domain: domain.clone(),
            ..Node::default()
        };
        if path.contains(&domain) {
            node.problem = Some("include loop".into());
            return node;
        }
        if path.len() > MAX_DNS_TERMS as usize {
            node.problem = Some("nested too deep".into());
            return node;
        }
        let text = match eval::fetch_record(dns, &domain).await {
            Fetched::Record(text) => text,
            Fetched::None(why) => {
                node.problem = Some(format!("{why}: receivers return permerror"));
                return node;
            }
            Fetched::Error(verdict) => {
                node.problem = Some(verdict.reason);
                return node;
            }
        };
        node.record = Some(text.clone());
        let record = match Record::parse(&text) {
            Ok(record) => record,
            Err(error) => {
                node.problem = Some(format!("syntax error: {error}"));
                return node;
            }
        };
        let mut path = path;
        path.push(domain.clone());
        let static_target = |spec: &macros::MacroString| -> Option<String> {
            spec.0
                .iter()
                .all(|p| matches!(p, macros::Piece::Literal(_)))
                .then(|| {
                    spec.0
                        .iter()
                        .map(|p| {
                            if let macros::Piece::Literal(t) = p {
                                t.as_str()
                            } else {
                                ""
                            }
                        })
                        .collect::<String>()
                })
        };
        for directive in &record.directives {
            if directive.mechanism.queries_dns() {
                node.lookups += 1;
            }
            match &directive.mechanism {
                Mechanism::Include(spec) => {
                    if let Some(target) = static_target(spec) {
                        node.children.push(
                            analyse(dns, target.trim_end_matches('.').to_string(), path.clone())
                                .await,
                        );
                    }
                }
                Mechanism::Ptr(_) => node.uses_ptr = true,
                Mechanism::A(spec, _) | Mechanism::Mx(spec, _) => {
                    let target = spec.as_ref().map_or(Some(domain.clone()), static_target);
                    if let Some(target) = target {
                        let void = if matches!(directive.mechanism, Mechanism::Mx(..)) {
                            dns.mx(&target).await.map(|a| a.is_void())
                        } else {
                            dns.lookup_ip(&target)
                                .await
                                .map(|l| !matches!(l, crate::net::Lookup::Found(_)))
                        };
                        if void.unwrap_or(false) {
                            node.voids += 1;
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(redirect) = &record.redirect {
            node.lookups += 1;
            if let Some(target) = static_target(redirect) {
                node.children
                    .push(analyse(dns, target.trim_end_matches('.').to_string(), path).await);
            }
        }
        node
    })
}

/// The final `all` of the domain's own record, or what its absence means.
fn all_verdict(record: &Record) -> (Status, String) {
    match record
        .directives
        .iter()
        .rev()
        .find(|d| d.mechanism == Mechanism::All)
    {
        Some(d) if d.qualifier == Qualifier::Pass => (
            Status::Fail,
            "`+all`: every server on the internet may send as the domain".into(),
        ),
        Some(d) if d.qualifier == Qualifier::Neutral => (
            Status::Warn,
            "`?all`: unlisted servers are neither allowed nor refused".into(),
        ),
        Some(d) => (
            Status::Pass,
            format!(
                "ends in `{}all`: unlisted servers are refused",
                d.qualifier.symbol()
            ),
        ),
        None if record.redirect.is_some() => (
            Status::Pass,
            "no `all`; the redirect's record decides".into(),
        ),
        None => (
            Status::Warn,
            "no `all` and no redirect: unlisted servers get neutral".into(),
        ),
    }
}

/// Addresses a provider's own record authorises (first address of each ip4/ip6 network),
/// or why there are none to test.
async fn provider_addresses(dns: &Dns, provider: &str) -> Result<Vec<IpAddr>, Observation> {
    let subject = format!("sender include:{provider}");
    let text = match eval::fetch_record(dns, provider).await {
        Fetched::Record(text) => text,
        Fetched::None(why) => {
            return Err(Observation::new(
                Status::Fail,
                subject,
                format!("{why}: an include of it gives receivers permerror"),
            ));
        }
        Fetched::Error(verdict) if verdict.result == SpfResult::TempError => {
            return Err(Observation::new(Status::Error, subject, verdict.reason));
        }
        Fetched::Error(verdict) => {
            return Err(Observation::new(Status::Fail, subject, verdict.reason));
        }
    };
    let record = Record::parse(&text)
        .map_err(|e| Observation::new(Status::Fail, &subject, format!("syntax error: {e}")))?;
    let addresses: Vec<IpAddr> = record
        .directives
        .iter()
        .filter(|d| d.qualifier == Qualifier::Pass)
        .filter_map(|d| match d.mechanism {
            Mechanism::Ip4(ip, _) => Some(IpAddr::V4(ip)),
            Mechanism::Ip6(ip, _) => Some(IpAddr::V6(ip)),
            _ => None,
        })
        .take(3)
        .collect();
    if addresses.is_empty() {
        return Err(Observation::new(
            Status::Error,
            subject,
            "its record lists no ip4/ip6 address to test",
        ));
    }
    Ok(addresses)
}

impl Check for Spf {
    fn id(&self) -> &str {
        "email.spf"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_domain(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let Some(domain) = &ctx.profile.target.domain else {
                return Finding::error("no [target] domain");
            };
            let subject = format!("TXT {domain}");
            let text = match eval::fetch_record(&ctx.dns, domain).await {
                Fetched::Record(text) => text,
                Fetched::None(why) => {
                    return Finding::from_observations(vec![Observation::new(
                        Status::Fail,
                        subject,
                        format!("{why}: receivers cannot tell your servers from forgers"),
                    )]);
                }
                Fetched::Error(verdict) if verdict.result == SpfResult::PermError => {
                    return Finding::from_observations(vec![Observation::new(
                        Status::Fail,
                        subject,
                        format!(
                            "{}: receivers treat SPF as broken (permerror)",
                            verdict.reason
                        ),
                    )]);
                }
                Fetched::Error(verdict) => {
                    return Finding::from_observations(vec![Observation::new(
                        Status::Error,
                        subject,
                        verdict.reason,
                    )]);
                }
            };
            let mut observations = vec![Observation::new(
                Status::Pass,
                &subject,
                format!("`{text}`"),
            )];
            let record = match Record::parse(&text) {
                Ok(record) => record,
                Err(error) => {
                    observations.push(Observation::new(
                        Status::Fail,
                        &subject,
                        format!("syntax error: {error}"),
                    ));
                    return Finding::from_observations(observations);
                }
            };
            let (status, detail) = all_verdict(&record);
            observations.push(Observation::new(status, &subject, detail));
            let sends_none = ctx.profile.target.has_no.contains(&Absent::Mail);
            if sends_none && text.trim() != "v=spf1 -all" {
                observations.push(Observation::new(
                    Status::Warn,
                    &subject,
                    "the profile states the domain sends no mail: publish exactly `v=spf1 -all`, so nobody can send as it",
                ));
            } else if has_null_mx(ctx, domain).await == Some(true) && text.trim() != "v=spf1 -all" {
                observations.push(Observation::new(
                    Status::Warn,
                    &subject,
                    "the domain has a null MX and sends no mail: publish exactly `v=spf1 -all`",
                ));
            }

            let tree = analyse(&ctx.dns, domain.clone(), Vec::new()).await;
            let mut lines = Vec::new();
            tree.render(0, &mut lines);
            let total = tree.total_lookups();
            let tree_subject = format!("include tree of {domain}");
            let tree_text = format!("{} — total {total} DNS-querying terms", lines.join("; "));
            if total > MAX_DNS_TERMS {
                observations.push(Observation::new(Status::Fail, &tree_subject, format!("{total} DNS-querying terms, over the limit of {MAX_DNS_TERMS}: receivers return permerror: {tree_text}")));
            } else {
                observations.push(Observation::new(Status::Pass, &tree_subject, tree_text));
            }
            let voids = tree.total_voids();
            if voids > MAX_VOID_LOOKUPS {
                observations.push(Observation::new(Status::Fail, &tree_subject, format!("{voids} void lookups (names that do not exist), over the limit of {MAX_VOID_LOOKUPS}: receivers return permerror")));
            }
            if tree
                .children
                .iter()
                .any(|c| c.any(&|n| n.problem.is_some()))
                || tree.problem.is_some()
            {
                let mut problems = Vec::new();
                collect_problems(&tree, &mut problems);
                observations.push(Observation::new(
                    Status::Fail,
                    &tree_subject,
                    problems.join("; "),
                ));
            }
            if tree.any(&|n| n.uses_ptr) {
                observations.push(Observation::new(
                    Status::Warn,
                    &tree_subject,
                    "uses `ptr`: slow, unreliable, and ignored by some receivers (RFC 7208 §5.5)",
                ));
            }

            for sender in &ctx.profile.email.senders {
                let (label, addresses) = match sender {
                    Sender::Ip(ip) => (ip.to_string(), vec![*ip]),
                    Sender::Include(provider) => match provider_addresses(&ctx.dns, provider).await
                    {
                        Ok(addresses) => (format!("include:{provider}"), addresses),
                        Err(observation) => {
                            observations.push(observation);
                            continue;
                        }
                    },
                };
                for ip in addresses {
                    let mail_from = format!("postmaster@{domain}");
                    let verdict = eval::check(
                        &ctx.dns,
                        &eval::Identity {
                            ip,
                            mail_from: &mail_from,
                            helo: domain,
                        },
                    )
                    .await;
                    let status = match verdict.result {
                        SpfResult::Pass => Status::Pass,
                        SpfResult::TempError => Status::Error,
                        _ => Status::Fail,
                    };
                    observations.push(Observation::new(
                        status,
                        format!("sender {label} ({ip})"),
                        format!(
                            "check_host() = {}: {}",
                            verdict.result.as_str(),
                            verdict.reason
                        ),
                    ));
                }
            }
            Finding::from_observations(observations)
        })
    }
}

fn collect_problems(node: &Node, out: &mut Vec<String>) {
    if let Some(problem) = &node.problem {
        out.push(format!("{}: {problem}", node.domain));
    }
    for child in &node.children {
        collect_problems(child, out);
    }
}
