//! RFC 9457 problem details: how `/api/v1` answers an `AppError`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::AppError;

/// An error answered as `application/problem+json`, with the console's message
/// as `detail` and its status; 401 carries `WWW-Authenticate`, 429 and 503
/// carry `Retry-After`.
#[derive(Debug)]
pub struct Problem(pub AppError);

impl From<AppError> for Problem {
    fn from(err: AppError) -> Self {
        Self(err)
    }
}

/// The body of a problem answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemBody {
    /// `urn:gatehouse:problem:` and the kind, e.g. `invalid`, `unauthorized`,
    /// `forbidden`, `not-found`, `conflict`, `rate-limited`.
    r#type: String,
    title: &'static str,
    status: u16,
    detail: String,
    /// The input the problem is about (bad input only).
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// Every refused input with its message, when more than one was refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<crate::error::FieldProblem>,
    /// Seconds to wait before trying again (429, 503).
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
    /// The pending invitation that is in the way (409 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    invitation_id: Option<uuid::Uuid>,
}

/// Every route's error answers, for the OpenAPI document.
// Only described in the document; answers are built as `Problem`.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum Problems {
    /// Bad input (400), a missing, wrong, revoked or expired key (401), a
    /// scope or permission that does not cover the call (403), nothing there
    /// (404), a conflict with the current state (409), too many requests
    /// (429, with `Retry-After`).
    #[response(status = "4XX", content_type = "application/problem+json")]
    Client(ProblemBody),
    /// The server failed or is busy (503, with `Retry-After`).
    #[response(status = "5XX", content_type = "application/problem+json")]
    Server(ProblemBody),
}

impl Problem {
    /// The problem type's short name and title.
    fn kind(&self) -> (&'static str, &'static str) {
        match &self.0 {
            AppError::Invalid { .. } | AppError::Transport(_) => ("invalid", "Invalid request"),
            AppError::SignedOut | AppError::WrongCredentials | AppError::BadApiKey(_) => {
                ("unauthorized", "Unauthorized")
            }
            AppError::Forbidden(_) => ("forbidden", "Forbidden"),
            AppError::SsoRequired { .. } => ("sso-required", "Single sign-on required"),
            AppError::NotFound(_) => ("not-found", "Not found"),
            AppError::Conflict(_) => ("conflict", "Conflict"),
            AppError::PendingInvitationExists { .. } => {
                ("pending-invitation-exists", "Pending invitation exists")
            }
            AppError::RateLimited { .. } => ("rate-limited", "Too many requests"),
            AppError::Busy { .. } => ("busy", "Server busy"),
            AppError::Unavailable(_) => ("unavailable", "Upstream unavailable"),
            AppError::Internal => ("internal", "Internal error"),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let (kind, title) = self.kind();
        let status = self.0.status();
        let retry_after = match self.0 {
            AppError::RateLimited { retry_after_secs } | AppError::Busy { retry_after_secs } => {
                Some(retry_after_secs)
            }
            _ => None,
        };
        let body = ProblemBody {
            r#type: format!("urn:gatehouse:problem:{kind}"),
            title,
            status,
            detail: self.0.to_string(),
            field: match &self.0 {
                AppError::Invalid { field, .. } => Some(field.clone()),
                _ => None,
            },
            errors: match &self.0 {
                AppError::Invalid {
                    field,
                    message,
                    others,
                } if !others.is_empty() => std::iter::once(crate::error::FieldProblem {
                    field: field.clone(),
                    message: message.clone(),
                })
                .chain(others.iter().cloned())
                .collect(),
                _ => Vec::new(),
            },
            retry_after,
            invitation_id: match &self.0 {
                AppError::PendingInvitationExists { invitation_id, .. } => Some(*invitation_id),
                _ => None,
            },
        };
        let mut response = (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            serde_json::to_string(&body).unwrap_or_default(),
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == 401 {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"gatehouse\""),
            );
        }
        response
    }
}
