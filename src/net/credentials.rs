//! The credential each identity holds during the audit: its static token, or what its
//! login obtained. Logins run once, concurrently, before the checks (`Http::establish`); a
//! 401 on a request whose credential worked before triggers one new login, at most
//! [`MAX_RELOGINS`] times per identity. A failed login leaves the identity without a
//! credential: every request as it is then an ERROR, never an anonymous request.

use std::collections::HashMap;
use std::sync::Mutex;

/// New logins allowed per identity and audit after the first.
pub const MAX_RELOGINS: u32 = 3;

#[derive(Clone, Debug)]
enum Held {
    Ready {
        value: String,
        /// Bumped at every new login, so concurrent 401s relogin once.
        generation: u32,
        /// A request with this credential got a 2xx.
        worked: bool,
    },
    Failed(String),
}

/// What a login did, for `auth.login` and `validate --login`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginOutcome {
    pub identity: String,
    /// `POST https://app.acme.test/auth/login` (never the body).
    pub step: String,
    /// What was obtained, or why nothing was.
    pub result: Result<String, String>,
    /// A new login after a 401 (the credential expired mid-audit).
    pub relogin: bool,
}

#[derive(Default)]
pub struct Credentials {
    held: Mutex<HashMap<String, Held>>,
    relogins: Mutex<HashMap<String, u32>>,
    outcomes: Mutex<Vec<LoginOutcome>>,
    /// One relogin at a time per identity; the others wait and reuse its result.
    relogin_locks: Mutex<HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Credentials {
    pub fn set(&self, identity: &str, value: String) {
        let mut held = lock(&self.held);
        let generation = match held.get(identity) {
            Some(Held::Ready { generation, .. }) => generation + 1,
            _ => 0,
        };
        held.insert(
            identity.to_string(),
            Held::Ready {
                value,
                generation,
                worked: false,
            },
        );
    }

    pub fn fail(&self, identity: &str, why: String) {
        lock(&self.held).insert(identity.to_string(), Held::Failed(why));
    }

    /// The current credential and its generation, or why there is none.
    pub fn current(&self, identity: &str) -> Result<(String, u32), String> {
        match lock(&self.held).get(identity) {
            Some(Held::Ready {
                value, generation, ..
            }) => Ok((value.clone(), *generation)),
            Some(Held::Failed(why)) => Err(why.clone()),
            None => Err("no credential: the identity has no token and did not log in".into()),
        }
    }

    pub fn worked(&self, identity: &str, generation: u32) {
        if let Some(Held::Ready {
            generation: g,
            worked,
            ..
        }) = lock(&self.held).get_mut(identity)
            && *g == generation
        {
            *worked = true;
        }
    }

    /// Whether a 401 with credential `generation` calls for a new login: it worked before,
    /// nobody has logged in again since, and the allowance is not spent. Takes the allowance.
    pub fn claim_relogin(&self, identity: &str, generation: u32) -> bool {
        let held = lock(&self.held);
        let fresh = matches!(held.get(identity), Some(Held::Ready { generation: g, worked: true, .. }) if *g == generation);
        if !fresh {
            return false;
        }
        let mut relogins = lock(&self.relogins);
        let spent = relogins.entry(identity.to_string()).or_default();
        if *spent >= MAX_RELOGINS {
            return false;
        }
        *spent += 1;
        true
    }

    /// The lock that serialises relogins of `identity`.
    pub fn relogin_lock(&self, identity: &str) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        lock(&self.relogin_locks)
            .entry(identity.to_string())
            .or_default()
            .clone()
    }

    pub fn record(&self, outcome: LoginOutcome) {
        lock(&self.outcomes).push(outcome);
    }

    pub fn outcomes(&self) -> Vec<LoginOutcome> {
        lock(&self.outcomes).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relogin_only_after_success_and_within_the_allowance() {
        let credentials = Credentials::default();
        credentials.set("alice", "t1".into());
        assert!(
            !credentials.claim_relogin("alice", 0),
            "never worked: a 401 is the app's answer"
        );
        credentials.worked("alice", 0);
        assert!(credentials.claim_relogin("alice", 0));
        credentials.set("alice", "t2".into());
        assert!(
            !credentials.claim_relogin("alice", 0),
            "an old generation's 401 does not relogin again"
        );
        for generation in 1..=MAX_RELOGINS {
            credentials.worked("alice", generation);
            let allowed = credentials.claim_relogin("alice", generation);
            assert_eq!(allowed, generation < MAX_RELOGINS);
            credentials.set("alice", format!("t{generation}"));
        }
        credentials.fail("bob", "401".into());
        assert_eq!(credentials.current("bob"), Err("401".into()));
    }
}
