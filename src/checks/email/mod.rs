//! Email family: `email.spf`, `email.dkim`, `email.dmarc`, `email.mx`, `email.mta-sts`
//! read the DNS of `[target] domain` through the audit's one resolver; `email.delivered`
//! authenticates the messages the journeys received.

pub mod cfg;

pub mod delivered;
pub mod dkim;
pub mod dmarc;
pub mod mta_sts;
pub mod mx;
pub mod spf;
pub mod tags;

use crate::check::Applicability;
use crate::ctx::Ctx;
use crate::net::DnsAnswer;
use crate::profile::Profile;

/// Email checks need the domain mail is sent from.
fn needs_domain(profile: &Profile) -> Applicability {
    match profile.target.domain {
        Some(_) => Applicability::Run,
        None => Applicability::Skip {
            key: "target.domain",
            reason: "no [target] domain: the email checks read its DNS".into(),
        },
    }
}

/// Whether the domain publishes a null MX (`0 .`, RFC 7505): it takes no mail at all.
/// `None` when that could not be learnt.
async fn has_null_mx(ctx: &Ctx, domain: &str) -> Option<bool> {
    match ctx.dns.mx(domain).await {
        Ok(DnsAnswer::Records(records)) => Some(records.len() == 1 && records[0].1.is_empty()),
        Ok(_) => Some(false),
        Err(_) => None,
    }
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![
        Registered::one(delivered::MailDelivered),
        Registered::one(dkim::Dkim),
        Registered::one(dmarc::Dmarc),
        Registered::one(mta_sts::MtaSts),
        Registered::one(mx::Mx),
        Registered::one(spf::Spf),
    ]
}

/// Property test: no input makes a record parser panic. Inputs are generated from a fixed
/// seed (deterministic), biased towards the characters the grammars care about.
#[cfg(test)]
mod robustness {
    use super::{dkim, dmarc, mta_sts, spf, tags};

    /// xorshift64*: small, deterministic, good enough to spread inputs.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn text(&mut self, prefixes: &[&str]) -> String {
            const PIECES: &[&str] = &[
                "v=spf1",
                " ",
                "  ",
                "a",
                "mx",
                "ptr",
                "ip4:",
                "ip6:",
                "include:",
                "exists:",
                "redirect=",
                "exp=",
                "all",
                "-",
                "+",
                "~",
                "?",
                "/",
                "//",
                "24",
                "0",
                "129",
                "33",
                "1.2.3.4",
                "::1",
                "ffff:",
                "%{",
                "}",
                "%",
                "%%",
                "%_",
                "%-",
                "d",
                "i",
                "r",
                "2",
                ".",
                "=",
                ";",
                "v=DKIM1",
                "k=rsa",
                "p=",
                "MIIB",
                "==",
                "v=DMARC1",
                "p=none",
                "pct=",
                "rua=mailto:",
                "@",
                ",",
                "!",
                "\t",
                "\n",
                "é",
                "\u{0}",
                "\u{7f}",
                "t=y",
                "mode:",
                "version:",
                "max_age:",
                "x",
            ];
            let mut out = prefixes[(self.next() % prefixes.len() as u64) as usize].to_string();
            for _ in 0..(self.next() % 24) {
                out.push_str(PIECES[(self.next() % PIECES.len() as u64) as usize]);
            }
            out
        }
    }

    #[test]
    fn record_parsers_never_panic() {
        let mut rng = Rng(0x5eed_1a0c_2026_1122);
        for _ in 0..20_000 {
            let text = rng.text(&["v=spf1 ", "v=DKIM1; ", "v=DMARC1; ", "", "version: STSv1\n"]);
            let _ = spf::syntax::Record::parse(&text);
            let _ = spf::macros::MacroString::parse(&text, spf::macros::Context::Explanation);
            let _ = spf::syntax::domain_spec(&text);
            let _ = tags::parse(&text);
            let _ = dkim::judge(&text);
            let _ = dmarc::judge(
                &text,
                rng.next().is_multiple_of(2),
                rng.next()
                    .is_multiple_of(2)
                    .then_some(dmarc::SendsNoMail::NullMx),
            );
            let _ = mta_sts::parse_policy(&text);
        }
    }
}
