//! The pages opened from outside the console (sign-in, an invitation link)
//! as a browser without the console's code sees them: plain HTML forms.

use super::invitations_http::{acme, invitation};
use super::support::{Client, PASSWORD};
use crate::error::AppError;
use crate::server::db::Pool;

/// Whether the page loads the console's code (its WASM).
fn loads_code(page: &str) -> bool {
    page.contains(".wasm")
}

/// Ann's Acme and the link of its invitation to Bob.
async fn acme_inviting_bob(pool: Pool) -> (Client, String) {
    let mut ann = acme(pool).await;
    let created = ann
        .call_json(
            "create_invitation",
            invitation("acme", "bob@example.com", "member"),
        )
        .await;
    let token = super::secret_of(created.body["link"].as_str().unwrap());
    (ann, format!("/invite/{token}"))
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn outside_pages_load_no_code_until_the_browser_is_signed_in(pool: Pool) {
    let (ann, link) = acme_inviting_bob(pool).await;
    let mut visitor = ann.fresh();
    for (path, expected) in [
        ("/sign-in", 200),
        ("/sign-in?next=/orgs/acme", 200),
        (&link, 200),
        // Rendered whole before it is sent, so its status can say so.
        ("/invite/made-up", 404),
    ] {
        let (status, _, page) = visitor.visit(path).await;
        assert_eq!(status, expected, "{path}");
        assert!(!loads_code(&page), "{path} loads the code: {page}");
        // Its controls work at once: nothing waits for hydration.
        assert!(page.contains(r#"<body data-hydrated="true">"#), "{path}");
    }
    // The invitation shows, and declining asks first, on a page of its own.
    let (_, _, page) = visitor.visit(&link).await;
    assert!(page.contains("Join Acme"), "{page}");
    // Whole in the HTML: no script has to swap it in for a loading note.
    assert!(!page.contains("Loading the invitation"), "{page}");
    let (_, _, page) = visitor.visit(&format!("{link}?decline=ask")).await;
    assert!(
        page.contains(&format!(r#"<form method="post" action="{link}/decline""#)),
        "{page}"
    );
    // Every other page, and these for a signed-in browser, load it.
    for path in ["/sign-up", "/forgot-password", "/"] {
        assert!(loads_code(&visitor.visit(path).await.2), "{path}");
    }
    for path in ["/sign-in", &link, "/orgs/acme"] {
        assert!(loads_code(&ann.page(path).await), "{path} signed in");
    }
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_refused_sign_in_comes_back_with_the_address_and_why_never_the_password(pool: Pool) {
    let mut ann = Client::new(pool).await;
    ann.sign_up("Ann", "ann@example.com").await;
    let mut visitor = ann.fresh();
    let (status, location, page) = visitor
        .post_form(
            "/sign-in",
            &[
                ("email", "ann@example.com"),
                ("password", "not the password"),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!((status, location), (401, None));
    assert!(
        page.contains(&AppError::WrongCredentials.to_string()),
        "{page}"
    );
    assert!(page.contains(r#"value="ann@example.com""#), "{page}");
    assert!(!page.contains("not the password"), "{page}");
    // Where to go afterwards is kept for the next try, and no code is loaded.
    assert!(page.contains(r#"name="next" value="/account""#), "{page}");
    assert!(!loads_code(&page));
    assert!(visitor.call("current_user", &[]).await.body.is_null());

    // The right password goes where `next` said, signed in.
    let (status, location, _) = visitor
        .post_form(
            "/sign-in",
            &[
                ("email", "ann@example.com"),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/account")));
    assert_eq!(
        visitor.call("current_user", &[]).await.body["email"],
        "ann@example.com"
    );
    // `next` never leads off the site.
    let (_, location, _) = ann
        .fresh()
        .post_form(
            "/sign-in",
            &[
                ("email", "ann@example.com"),
                ("password", PASSWORD),
                ("next", "//evil.example"),
            ],
        )
        .await;
    assert_eq!(location.as_deref(), Some("/"));
    // A signed-in browser's refused sign-in comes back with the console's
    // code (the top bar's menus work), the refusal handed to it to hydrate.
    let (status, _, page) = ann.sign_in_with("ann@example.com", "wrong again").await;
    assert_eq!(status, 401);
    assert!(loads_code(&page), "{page}");
    assert!(
        page.contains(&AppError::WrongCredentials.to_string()),
        "{page}"
    );
    assert!(
        page.contains("WrongCredentials"),
        "the refusal is handed over: {page}"
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn declining_by_the_plain_form_lands_on_the_declined_invitation(pool: Pool) {
    let (ann, link) = acme_inviting_bob(pool.clone()).await;
    let mut bob = ann.fresh();
    // Another site cannot decline it for him.
    let (status, _, _) = bob
        .submit(&format!("{link}/decline"), "https://evil.example")
        .await;
    assert_eq!(status, 403);
    let (status, location, _) = bob.post_form(&format!("{link}/decline"), &[]).await;
    let declined = format!("{link}?declined");
    assert_eq!((status, location), (303, Some(declined.clone())));
    let (_, _, page) = bob.visit(&declined).await;
    assert!(page.contains("Invitation declined"), "{page}");
    assert!(
        page.contains(
            "You declined the invitation to Acme. We let them know nothing else about you."
        ),
        "{page}"
    );
    let status: String = sqlx::query_scalar("SELECT status FROM invitations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "declined");
    // Declining twice is still declined.
    let (status, location, _) = bob.post_form(&format!("{link}/decline"), &[]).await;
    assert_eq!((status, location), (303, Some(declined)));
    // The form's address, opened (from the bar after a refusal), is the page.
    let (status, location, _) = bob.visit(&format!("{link}/decline")).await;
    assert_eq!((status, location), (303, Some(link.clone())));
    // A link that does not exist says so on its page, with no code loaded.
    let (status, _, page) = bob.post_form("/invite/made-up/decline", &[]).await;
    assert_eq!(status, 404);
    assert!(page.contains("This invitation link is not valid"), "{page}");
    assert!(!loads_code(&page));
}
