//! The dashboard's sign-in throttle on the real binary: after five failed
//! sign-ins an account's attempts are refused, even with the right
//! password and on another instance of the same database, with the same
//! answer as a wrong password; other accounts and unknown ids are not
//! affected; parallel guesses do not slip past the count; every attempt is
//! audited and the chain stays intact. And the sign-in form's own
//! defences: CSRF token, origin check, security headers, strict cookies.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;
use ocrotire_core::model::Role;
use reqwest::blocking::Client;
use reqwest::StatusCode;

on_every_backend!(
    five_failures_refuse_the_account_everywhere_and_alike,
    parallel_guesses_do_not_pass_the_count,
    forged_sign_ins_are_refused_before_any_password_check,
);

const RIGHT: &str = "a long enough secret";
const WRONG: &str = "not the secret at all";

fn set_password(server: &Server, user: &str) {
    let mut child = Command::new(BIN)
        .arg("admin")
        .args(server.db.args())
        .args(["set-password", "--user-id", user])
        .env_remove("OCROTIRE_DB")
        .env_remove("OCROTIRE_DATABASE_URL")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the server binary");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{RIGHT}\n").as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One sign-in through the form, as a browser does it: the form's page
/// sets the CSRF cookie that the post sends back. The status, and the
/// page's text without the form's fresh token.
fn sign_in(base: &str, user: &str, password: &str) -> (StatusCode, String) {
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let form = client.get(format!("{base}/login")).send().expect("form");
    let token = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("ocrotire_login="))
        .and_then(|v| v.split(';').next())
        .expect("the sign-in cookie")
        .to_owned();
    let answer = client
        .post(format!("{base}/login"))
        .header("cookie", format!("ocrotire_login={token}"))
        .form(&[("user_id", user), ("password", password), ("csrf", &token)])
        .send()
        .expect("sign in");
    let status = answer.status();
    let page = answer.text().expect("page");
    // The page carries a new token of its own each time.
    let page = page
        .split("value=\"")
        .map(|part| part.split_once('"').map_or(part, |(_, rest)| rest))
        .collect::<Vec<_>>()
        .join("");
    (status, page)
}

fn audit_count(server: &Server, action: &str, user: &str) -> i64 {
    server.db.count(&format!(
        "SELECT COUNT(*) FROM audit WHERE action = '{action}' AND user_id = '{user}'"
    ))
}

fn five_failures_refuse_the_account_everywhere_and_alike(backend: Backend) {
    let server = Server::on(backend);
    for user in ["off-1", "off-2"] {
        server.create_user(user, Role::DistrictOfficer, "9200");
        set_password(&server, user);
    }
    let base = server.base.clone();
    assert_eq!(sign_in(&base, "off-1", RIGHT).0, StatusCode::SEE_OTHER);

    let (status, failed_page) = sign_in(&base, "off-1", WRONG);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(failed_page.contains("role=\"alert\""), "{failed_page}");
    for _ in 1..5 {
        assert_eq!(sign_in(&base, "off-1", WRONG).0, StatusCode::UNAUTHORIZED);
    }

    // The right password no longer opens the account, and the refusal is
    // the page a wrong password gets.
    assert_eq!(
        sign_in(&base, "off-1", RIGHT),
        (StatusCode::UNAUTHORIZED, failed_page.clone())
    );
    // Nor on another instance of the same database.
    let other = server.another_instance(&[]);
    assert_eq!(
        sign_in(&other.base, "off-1", RIGHT),
        (StatusCode::UNAUTHORIZED, failed_page.clone())
    );
    // Another account is not affected.
    assert_eq!(sign_in(&base, "off-2", RIGHT).0, StatusCode::SEE_OTHER);
    // An unknown id answers as before, however often it is tried: nothing
    // tells it apart from a refused account.
    for _ in 0..6 {
        assert_eq!(
            sign_in(&base, "nobody", WRONG),
            (StatusCode::UNAUTHORIZED, failed_page.clone())
        );
    }

    // Refused attempts are audited apart and do not count as failures.
    assert_eq!(audit_count(&server, "sign_in_failed", "off-1"), 5);
    assert_eq!(audit_count(&server, "sign_in_throttled", "off-1"), 2);
    assert_eq!(audit_count(&server, "sign_in", "off-1"), 1);
    assert_eq!(audit_count(&server, "sign_in", "off-2"), 1);
    assert_eq!(audit_count(&server, "sign_in_failed", "?"), 6);
    let out = server.admin(&["verify-audit"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Failures older than 15 minutes no longer count. The log refuses
    // UPDATE, so five 16-minute-old failures of another account are
    // written straight into the table (outside the hash chain, which was
    // checked above); that account still signs in.
    let aged = "off-1-later";
    server.create_user(aged, Role::DistrictOfficer, "9200");
    set_password(&server, aged);
    let old = ocrotire_server::clock::now_ms() - 16 * 60 * 1000;
    let zero = match backend {
        Backend::Sqlite => "zeroblob(32)",
        Backend::Postgres => "decode(repeat('00', 32), 'hex')",
    };
    let values = (0..5)
        .map(|i| {
            format!(
                "({}, {old}, '{aged}', 'web', 'sign_in_failed', 'user={aged}', {zero}, {zero})",
                1_000_000 + i
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let fake_rows = format!(
        "INSERT INTO audit (seq, at, user_id, device_id, action, subject, prev_hash, hash) \
         VALUES {values}"
    );
    server.db.execute(&fake_rows).expect("old failures");
    assert_eq!(audit_count(&server, "sign_in_failed", aged), 5);
    assert_eq!(sign_in(&base, aged, RIGHT).0, StatusCode::SEE_OTHER);
}

fn parallel_guesses_do_not_pass_the_count(backend: Backend) {
    let server = Server::on(backend);
    server.create_user("off-3", Role::DistrictOfficer, "9200");
    set_password(&server, "off-3");
    let base = server.base.clone();
    let guesses: Vec<_> = (0..10)
        .map(|_| {
            let base = base.clone();
            std::thread::spawn(move || sign_in(&base, "off-3", WRONG).0)
        })
        .collect();
    for guess in guesses {
        assert_eq!(guess.join().unwrap(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(audit_count(&server, "sign_in_failed", "off-3"), 5);
    assert_eq!(audit_count(&server, "sign_in_throttled", "off-3"), 5);
}

fn forged_sign_ins_are_refused_before_any_password_check(backend: Backend) {
    let server = Server::on(backend);
    server.create_user("off-4", Role::DistrictOfficer, "9200");
    set_password(&server, "off-4");
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let form = client
        .get(format!("{}/login", server.base))
        .send()
        .expect("form");
    let csp = form.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(form.headers()["x-frame-options"], "DENY");
    let post = |cookie: Option<&str>, csrf: &str, origin: Option<&str>| {
        let mut request = client.post(format!("{}/login", server.base)).form(&[
            ("user_id", "off-4"),
            ("password", RIGHT),
            ("csrf", csrf),
        ]);
        if let Some(cookie) = cookie {
            request = request.header("cookie", format!("ocrotire_login={cookie}"));
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send().expect("post").status()
    };
    let token = "ab".repeat(32);
    // No sign-in cookie, a token that is not the cookie's, another site.
    assert_eq!(post(None, &token, None), StatusCode::FORBIDDEN);
    assert_eq!(
        post(Some(&token), &"cd".repeat(32), None),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(Some(&token), &token, Some("https://evil.example")),
        StatusCode::FORBIDDEN
    );
    // None of them reached the password check: nothing was audited.
    assert_eq!(
        server
            .db
            .count("SELECT COUNT(*) FROM audit WHERE action LIKE 'sign_in%'"),
        0
    );
    // The double submit itself is enough for the real form.
    let answer = client
        .post(format!("{}/login", server.base))
        .header("cookie", format!("ocrotire_login={token}"))
        .form(&[("user_id", "off-4"), ("password", RIGHT), ("csrf", &token)])
        .send()
        .expect("sign in");
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let session = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ocrotire_session="))
        .expect("a session cookie")
        .to_owned();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict"),
        "{session}"
    );
}
