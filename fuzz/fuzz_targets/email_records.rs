//! The mail DNS record parsers: SPF (terms and macro strings), DKIM and DMARC tag lists,
//! MTA-STS policies. Their input comes from the target's DNS.
#![no_main]

use launch_audit::checks::email::spf::macros::{Context, MacroString};
use launch_audit::checks::email::spf::syntax::Record;
use launch_audit::checks::email::{dkim, dmarc, mta_sts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = Record::parse(text);
    let _ = MacroString::parse(text, Context::DomainSpec);
    let _ = MacroString::parse(text, Context::Explanation);
    let _ = dkim::judge(text);
    let _ = dmarc::judge(text, false, false);
    let _ = mta_sts::parse_policy(text);
});
