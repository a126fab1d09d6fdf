//! One walk through a journey: its steps in order, each filled from the values earlier
//! steps extracted, with a cookie jar of its own, as one new customer would go.
//!
//! A step's outcome is PASS when its expectations held (the positive control: the app
//! answered as the step says it must), FAIL when the app answered otherwise or the mail
//! never came, ERROR when nothing could be asked (transport, an unreadable mailbox).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use regex::Regex;
use url::Url;

use super::cfg::{Action, Expect, Journey, RUN_PLACEHOLDER, Source, Step};
use super::mailbox;
use crate::ctx::Ctx;
use crate::net::{Fetched, HttpRequest};
use crate::profile::Method;
use crate::result::Status;

/// How often a mail step looks in the mailbox while it waits.
const POLL_EVERY: Duration = Duration::from_millis(250);
/// Redirects a followed link may take, at most (browsers allow about 20; mail links take 1–3).
const MAX_HOPS: usize = 10;

/// How one step went.
#[derive(Clone, Debug)]
pub struct StepOutcome {
    pub name: String,
    pub status: Status,
    pub elapsed: Duration,
    /// What was sent and what came back (redacted by the caller's redactor).
    pub detail: String,
    /// The HTTP status of the step's last answer, when it sent a request and got one.
    pub answered: Option<u16>,
}

impl StepOutcome {
    pub fn met(&self) -> bool {
        self.status == Status::Pass
    }

    /// The app turned the step down itself: it answered, read whole, otherwise than the
    /// step expects, and not with a 5xx. A crash, or no answer at all, does not show that a
    /// link was refused.
    pub fn refused(&self) -> bool {
        self.status == Status::Fail && self.answered.is_some_and(|s| s < 500)
    }
}

/// A message a journey received, kept for `email.delivered`.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub journey: String,
    pub step: String,
    pub raw: Vec<u8>,
    pub envelope: Option<mailbox::Envelope>,
}

/// What the journeys of one audit received, shared with `email.delivered`.
#[derive(Default)]
pub struct Deliveries(std::sync::Mutex<Vec<Delivered>>);

impl Deliveries {
    fn push(&self, delivered: Delivered) {
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // Enough to judge the app's mail; the rest adds nothing.
        if all.len() < 50 {
            all.push(delivered);
        }
    }

    pub fn all(&self) -> Vec<Delivered> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// A value unique to this walk: `{run}` makes each walk's addresses and names fresh.
fn fresh_run() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("la{:06x}{n}", nanos & 0xff_ffff)
}

pub struct Walk<'a> {
    ctx: &'a Ctx,
    /// The check walking, named in the progress line while it waits for mail.
    check: &'a str,
    pub journey: &'a Journey,
    pub vars: BTreeMap<String, String>,
    /// host → cookie name → value.
    jar: HashMap<String, BTreeMap<String, String>>,
    /// The status of the last answer this walk received.
    last_status: Option<u16>,
}

impl<'a> Walk<'a> {
    pub fn new(ctx: &'a Ctx, journey: &'a Journey, check: &'a str) -> Walk<'a> {
        let mut vars = BTreeMap::new();
        vars.insert(RUN_PLACEHOLDER.to_string(), fresh_run());
        Walk {
            ctx,
            check,
            journey,
            vars,
            jar: HashMap::new(),
            last_status: None,
        }
    }

    /// Steps `0..=last`, stopping after the first that does not pass.
    pub async fn through(&mut self, last: usize) -> Vec<StepOutcome> {
        let mut outcomes = Vec::new();
        for index in 0..=last.min(self.journey.steps.len().saturating_sub(1)) {
            let outcome = self.step(index).await;
            let met = outcome.met();
            outcomes.push(outcome);
            if !met {
                break;
            }
        }
        outcomes
    }

    /// The values step `index` extracts, as this walk holds them now.
    pub fn extracted_by(&self, index: usize) -> BTreeMap<String, String> {
        self.journey.steps[index]
            .extract
            .iter()
            .filter_map(|(name, _)| Some((name.clone(), self.vars.get(name)?.clone())))
            .collect()
    }

    pub async fn step(&mut self, index: usize) -> StepOutcome {
        let step = &self.journey.steps[index];
        let started = Instant::now();
        self.last_status = None;
        let (status, detail) = match self.perform(step).await {
            Ok(detail) => (Status::Pass, detail),
            Err(Broke::App(detail)) => (Status::Fail, detail),
            Err(Broke::Audit(detail)) => (Status::Error, detail),
        };
        StepOutcome {
            name: step.name.clone(),
            status,
            elapsed: started.elapsed(),
            detail: self.ctx.redactor.redact(&detail),
            answered: self.last_status,
        }
    }

    fn fill(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (name, value) in &self.vars {
            let slot = format!("{{{name}}}");
            if out.contains(&slot) {
                out = out.replace(&slot, value);
            }
        }
        out
    }

    fn fill_json(&self, value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::String(s) => serde_json::Value::String(self.fill(s)),
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(|v| self.fill_json(v)).collect())
            }
            serde_json::Value::Object(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.fill_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Keeps an extracted value, and teaches the redactor the secret parts of it.
    fn keep(&mut self, name: &str, value: String) {
        if let Ok(url) = Url::parse(&value) {
            for (_, v) in url.query_pairs() {
                if v.len() >= 12 {
                    self.ctx.redactor.add(v.into_owned());
                }
            }
            for segment in url.path_segments().into_iter().flatten() {
                if segment.len() >= 16 {
                    self.ctx.redactor.add(segment.to_string());
                }
            }
        } else if value.len() >= 8 {
            self.ctx.redactor.add(value.clone());
        }
        self.vars.insert(name.to_string(), value);
    }

    async fn perform(&mut self, step: &Step) -> Result<String, Broke> {
        match &step.action {
            Action::Request { method, path, body } => {
                let path = self.fill(path);
                let url =
                    self.ctx.profile.url_for(&path).map_err(|_| {
                        Broke::Audit(format!("{path} is not a path under base_url"))
                    })?;
                let body = body.as_ref().map(|b| self.fill_json(b));
                let response = self.send(*method, url.clone(), body, &step.headers).await?;
                let what = format!(
                    "{} {} answered {}",
                    method.as_str(),
                    url.path(),
                    response.status
                );
                self.judge(step, &response, &what)
            }
            Action::Follow { link } => {
                let link = self.fill(link);
                let mut url = Url::parse(&link).map_err(|_| {
                    Broke::App(format!("`{link}` is not a link a browser can open"))
                })?;
                let mut hops = 0;
                loop {
                    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
                    if !self.ctx.http.in_scope(&host) {
                        return Err(Broke::App(format!(
                            "the link leads to {host}, not a host the profile names: not followed"
                        )));
                    }
                    let response = self
                        .send(Method::Get, url.clone(), None, &step.headers)
                        .await?;
                    let location = response
                        .header("location")
                        .filter(|_| (300..400).contains(&response.status));
                    match location {
                        Some(next) if hops < MAX_HOPS => {
                            hops += 1;
                            url = url.join(&next).map_err(|_| {
                                Broke::App(format!("{url} redirects to `{next}`, not a URL"))
                            })?;
                        }
                        Some(_) => {
                            return Err(Broke::App(format!(
                                "the link redirects more than {MAX_HOPS} times"
                            )));
                        }
                        None => {
                            let what = format!(
                                "GET {}{} answered {}",
                                url.path(),
                                if hops > 0 {
                                    format!(" (after {hops} redirects)")
                                } else {
                                    String::new()
                                },
                                response.status
                            );
                            return self.judge(step, &response, &what);
                        }
                    }
                }
            }
            Action::Mail { to, subject, body } => {
                let to = self.fill(to);
                self.wait_for_mail(step, &to, subject.as_ref(), body.as_ref())
                    .await
            }
        }
    }

    async fn send(
        &mut self,
        method: Method,
        url: Url,
        body: Option<serde_json::Value>,
        headers: &[(String, String)],
    ) -> Result<Fetched, Broke> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let mut request = HttpRequest::new(method, url.clone()).with_json(body);
        // The app's client's own headers (a data API's key), unless the step sets them.
        for (name, value) in crate::checks::probe::client_headers(self.ctx, &url) {
            if !headers
                .iter()
                .any(|(set, _)| set.eq_ignore_ascii_case(&name))
            {
                request = request.with_header(&name, value);
            }
        }
        // The step's headers carry the journey's own credentials: only to base_url's host.
        let own_host = self
            .ctx
            .profile
            .target
            .base_url
            .host_str()
            .is_some_and(|h| h.eq_ignore_ascii_case(&host));
        if own_host {
            for (name, value) in headers {
                request = request.with_header(name, self.fill(value));
            }
        }
        if let Some(cookies) = self.jar.get(&host).filter(|c| !c.is_empty()) {
            let header = cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            request = request.with_header("cookie", header);
        }
        let response = self
            .ctx
            .http
            .send(&request)
            .await
            .map_err(|e| Broke::Audit(format!("{} {url}: {e}", method.as_str())))?;
        self.last_status = Some(response.status);
        for value in response.headers.get_all("set-cookie") {
            let text = String::from_utf8_lossy(value.as_bytes());
            if let Some((name, rest)) = text.split_once('=') {
                let value = rest.split(';').next().unwrap_or_default().to_string();
                self.jar
                    .entry(host.clone())
                    .or_default()
                    .insert(name.trim().to_string(), value);
            }
        }
        Ok(response)
    }

    fn judge(&mut self, step: &Step, response: &Fetched, what: &str) -> Result<String, Broke> {
        if response.truncated {
            return Err(Broke::Audit(format!(
                "{what}, its body cut at the cap: not judged"
            )));
        }
        if let Err(why) = expectations_hold(&step.expect, response) {
            return Err(Broke::App(format!(
                "{what}: {why} ({})",
                self.ctx.excerpt(&response.body)
            )));
        }
        let json: Option<serde_json::Value> = serde_json::from_slice(&response.body).ok();
        let text = String::from_utf8_lossy(&response.body).into_owned();
        for (name, source) in &step.extract {
            let value = match source {
                Source::Json(pointer) => json
                    .as_ref()
                    .and_then(|j| j.pointer(pointer))
                    .and_then(scalar),
                Source::Header(header) => response.header(header),
                Source::Cookie(cookie) => {
                    let host = self
                        .ctx
                        .profile
                        .target
                        .base_url
                        .host_str()
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    self.jar.get(&host).and_then(|c| c.get(cookie)).cloned()
                }
                Source::Regex(re) => first_capture(re, &text),
                Source::Link(_) => None,
            };
            match value {
                Some(value) => self.keep(name, value),
                None => {
                    return Err(Broke::App(format!(
                        "{what}, but `{name}` was not in the answer"
                    )));
                }
            }
        }
        Ok(what.to_string())
    }

    async fn wait_for_mail(
        &mut self,
        step: &Step,
        to: &str,
        subject: Option<&Regex>,
        body: Option<&Regex>,
    ) -> Result<String, Broke> {
        let Some(mail) = &self.ctx.profile.mail else {
            return Err(Broke::Audit("no [mail] section".into()));
        };
        let deadline = Instant::now() + mail.wait;
        let taken = self.ctx.slot(|_| super::turns::TakenMessages::default());
        let mut looked = 0usize;
        let mut waiting = None;
        loop {
            let messages = mailbox::messages_to(self.ctx, &mail.source, to)
                .await
                .map_err(|e| Broke::Audit(format!("{}: {e}", mail.source.describe())))?;
            looked += 1;
            for message in messages.into_iter().rev() {
                if taken.contains(&message.id) {
                    continue;
                }
                let Some(parsed) = Parsed::of(&message.raw) else {
                    continue;
                };
                if subject.is_some_and(|re| !re.is_match(&parsed.subject))
                    || body
                        .is_some_and(|re| !re.is_match(&parsed.text) && !re.is_match(&parsed.html))
                {
                    continue;
                }
                // Taken once per audit: a later walk on the same address (a repeated mail
                // step, the next check's walk of a shared account) waits for a new message
                // instead of spending a link an earlier walk already spent.
                if !taken.take(&message.id) {
                    continue;
                }
                self.ctx.slot(|_| Deliveries::default()).push(Delivered {
                    journey: self.journey.name.clone(),
                    step: step.name.clone(),
                    raw: message.raw.clone(),
                    envelope: message.envelope.clone(),
                });
                for (name, source) in &step.extract {
                    let value = match source {
                        Source::Link(re) => parsed.links.iter().find(|l| re.is_match(l)).cloned(),
                        Source::Regex(re) => first_capture(re, &parsed.text)
                            .or_else(|| first_capture(re, &parsed.html)),
                        Source::Header(header) => parsed.header(&message.raw, header),
                        Source::Json(_) | Source::Cookie(_) => None,
                    };
                    match value {
                        Some(value) => self.keep(name, value),
                        None => {
                            return Err(Broke::App(format!(
                                "the message \"{}\" arrived, but `{name}` was not in it",
                                parsed.subject
                            )));
                        }
                    }
                }
                return Ok(format!("\"{}\" arrived for {to}", parsed.subject));
            }
            if Instant::now() + POLL_EVERY > deadline {
                return Err(Broke::App(format!(
                    "no message for {to}{} within {} ({} looks in {})",
                    subject
                        .map(|re| format!(" with a subject matching /{re}/"))
                        .unwrap_or_default(),
                    humantime::format_duration(mail.wait),
                    looked,
                    mail.source.describe()
                )));
            }
            waiting.get_or_insert_with(|| {
                self.ctx.load_progress.waiting(
                    self.check,
                    format!(
                        "for mail to {to} (up to {})",
                        humantime::format_duration(mail.wait)
                    ),
                )
            });
            tokio::time::sleep(POLL_EVERY).await;
        }
    }
}

enum Broke {
    /// The app did not do what the step says it must.
    App(String),
    /// The audit could not ask.
    Audit(String),
}

fn scalar(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn first_capture(re: &Regex, text: &str) -> Option<String> {
    let captures = re.captures(text)?;
    captures
        .get(1)
        .or_else(|| captures.get(0))
        .map(|m| m.as_str().to_string())
}

/// Whether `response` meets `expect`; the first that does not, said.
pub fn expectations_hold(expect: &Expect, response: &Fetched) -> Result<(), String> {
    let status_ok = if expect.status.is_empty() {
        response.is_success()
    } else {
        expect.status.contains(&response.status)
    };
    if !status_ok {
        return Err(if expect.status.is_empty() {
            "expected a 2xx answer".to_string()
        } else {
            format!(
                "expected {}",
                expect
                    .status
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        });
    }
    if !expect.json.is_empty() {
        let body: serde_json::Value = serde_json::from_slice(&response.body)
            .map_err(|_| "expected a JSON answer".to_string())?;
        for (pointer, wanted) in &expect.json {
            let found = body.pointer(pointer);
            if found != Some(wanted) {
                return Err(format!(
                    "expected {pointer} to be {wanted}, found {}",
                    found.map_or("nothing".to_string(), ToString::to_string)
                ));
            }
        }
    }
    for (name, re) in &expect.header {
        match response.header(name) {
            Some(value) if re.is_match(&value) => {}
            Some(value) => return Err(format!("expected {name} to match /{re}/, found `{value}`")),
            None => return Err(format!("expected a {name} header")),
        }
    }
    if let Some(re) = &expect.body
        && !re.is_match(&String::from_utf8_lossy(&response.body))
    {
        return Err(format!("expected the body to match /{re}/"));
    }
    Ok(())
}

/// What a step reads of a message.
pub struct Parsed {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Every link: `href`s of the HTML part, then URLs in the text part.
    pub links: Vec<String>,
}

impl Parsed {
    pub fn of(raw: &[u8]) -> Option<Parsed> {
        let message = mail_parser::MessageParser::default().parse(raw)?;
        let subject = message.subject().unwrap_or_default().to_string();
        let text = message
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default();
        let html = message
            .body_html(0)
            .map(|t| t.into_owned())
            .unwrap_or_default();
        let mut links = Vec::new();
        let document = scraper::Html::parse_document(&html);
        if let Ok(selector) = scraper::Selector::parse("a[href], img[src], link[href]") {
            for element in document.select(&selector) {
                let attr = element
                    .value()
                    .attr("href")
                    .or_else(|| element.value().attr("src"));
                if let Some(link) =
                    attr.filter(|l| l.starts_with("http://") || l.starts_with("https://"))
                {
                    links.push(link.to_string());
                }
            }
        }
        static URLS: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
        let urls =
            URLS.get_or_init(|| Regex::new(r#"https?://[^\s<>"')\]]+"#).expect("static regex"));
        for found in urls.find_iter(&text) {
            let link = found.as_str().trim_end_matches(['.', ',', ';']).to_string();
            if !links.contains(&link) {
                links.push(link);
            }
        }
        Some(Parsed {
            subject,
            text,
            html,
            links,
        })
    }

    fn header(&self, raw: &[u8], name: &str) -> Option<String> {
        let message = mail_parser::MessageParser::default().parse_headers(raw)?;
        message.header_raw(name).map(|v| v.trim().to_string())
    }
}
