/// The notes app's settings for launch (issue 36's complete stack,
/// tests/integration/stacks/ready/pocketbase.rs), applied only when LAUNCH_AUDIT_PB_APP_URL
/// names where the app is served:
/// - mail through the provider at LAUNCH_AUDIT_PB_SMTP_PORT, from LAUNCH_AUDIT_PB_SENDER,
///   with links into the app;
/// - reset and verification links short-lived (LAUNCH_AUDIT_PB_LINK_SECONDS);
/// - an expired session of alice's written to LAUNCH_AUDIT_PB_EXPIRED_TOKEN;
/// - PocketBase's rate limiter on sign-in, keyed on the client address nginx sets in
///   X-Real-IP (nginx overwrites whatever the client sent there).
/// LAUNCH_AUDIT_FLAW plants one misconfiguration: `no-login-limit` (the limiter off) or
/// `open-notes` (the notes list rule left open to anyone).
migrate((app) => {
  const appURL = $os.getenv("LAUNCH_AUDIT_PB_APP_URL");
  if (!appURL) {
    return;
  }
  const flaw = $os.getenv("LAUNCH_AUDIT_FLAW");
  const settings = app.settings();
  settings.meta.appName = "Notes";
  settings.meta.appURL = appURL;
  settings.meta.senderName = "Notes";
  settings.meta.senderAddress = $os.getenv("LAUNCH_AUDIT_PB_SENDER");
  settings.smtp.enabled = true;
  settings.smtp.host = "127.0.0.1";
  settings.smtp.port = parseInt($os.getenv("LAUNCH_AUDIT_PB_SMTP_PORT"), 10);
  settings.trustedProxy.headers = ["X-Real-IP"];
  settings.rateLimits.enabled = flaw !== "no-login-limit";
  settings.rateLimits.rules = [
    // The audit's own sign-ins (logins, journeys, their replays: about 14) share the
    // window with the burst, so it must not be spent before the burst begins.
    { label: "*:auth", maxRequests: 30, duration: 60 },
    { label: "*:requestPasswordReset", maxRequests: 10, duration: 60 },
    { label: "*:requestVerification", maxRequests: 10, duration: 60 },
  ];
  app.save(settings);

  const seconds = parseInt($os.getenv("LAUNCH_AUDIT_PB_LINK_SECONDS"), 10);
  const users = app.findCollectionByNameOrId("users");
  users.verificationToken.duration = seconds;
  users.passwordResetToken.duration = seconds;
  // The links open the app's own pages, not the dashboard's.
  users.verificationTemplate.body =
    '<p>Confirm your address: <a href="{APP_URL}/verify#{TOKEN}">{APP_URL}/verify#{TOKEN}</a></p>';
  users.resetPasswordTemplate.body =
    '<p>Set a new password: <a href="{APP_URL}/reset#{TOKEN}">{APP_URL}/reset#{TOKEN}</a></p>';
  app.save(users);

  // An expired session of alice's, for the audit's expired identity: signed as PocketBase
  // signs her sessions, its expiry an hour ago.
  const alice = app.findAuthRecordByEmail("users", "alice@acme.test");
  const expired = $security.createJWT(
    { id: alice.id, type: "auth", collectionId: users.id, refreshable: true },
    alice.tokenKey() + users.authToken.secret,
    -3600,
  );
  $os.writeFile($os.getenv("LAUNCH_AUDIT_PB_EXPIRED_TOKEN"), expired, 0o600);

  if (flaw === "open-notes") {
    const notes = app.findCollectionByNameOrId("notes");
    notes.listRule = "";
    app.save(notes);
  }
});
