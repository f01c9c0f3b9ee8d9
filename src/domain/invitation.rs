//! The invitation state machine.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where an invitation is in its life. Every state but `Pending` is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Declined,
    Revoked,
    Expired,
    Failed,
}

/// Something that happens to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationEvent {
    /// The invitee accepts.
    Accept,
    /// The invitee declines.
    Decline,
    /// An administrator withdraws it.
    Revoke,
    /// Its expiry time passes.
    Expire,
    /// Mail delivery gave up after its last retry.
    DeliveryFailed,
}

/// What "Resend" means for an invitation in a given state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResendPlan {
    /// Pending: new token (old link dies), expiry restarts, mail again.
    RefreshInPlace,
    /// Expired, failed, declined or revoked: a new pending invitation.
    InviteAgain,
}

/// The event is not allowed in the invitation's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("This invitation is already {from}; it cannot be changed any more.")]
pub struct TransitionRefused {
    /// The state the invitation was in.
    pub from: InvitationStatus,
}

impl InvitationStatus {
    /// Every status, in the order the filter shows them.
    pub const ALL: [InvitationStatus; 6] = [
        Self::Pending,
        Self::Accepted,
        Self::Declined,
        Self::Expired,
        Self::Revoked,
        Self::Failed,
    ];

    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
            Self::Failed => "failed",
        }
    }

    /// Whether nothing can happen to it any more.
    pub fn is_final(self) -> bool {
        self != Self::Pending
    }

    /// The status as of `now`: a pending invitation whose expiry has passed is
    /// expired even before any background sweep has written that down.
    pub fn at(self, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        if self == Self::Pending && now >= expires_at {
            Self::Expired
        } else {
            self
        }
    }

    /// The state after `event`, or why it cannot happen.
    pub fn apply(self, event: InvitationEvent) -> Result<Self, TransitionRefused> {
        if self != Self::Pending {
            return Err(TransitionRefused { from: self });
        }
        Ok(match event {
            InvitationEvent::Accept => Self::Accepted,
            InvitationEvent::Decline => Self::Declined,
            InvitationEvent::Revoke => Self::Revoked,
            InvitationEvent::Expire => Self::Expired,
            InvitationEvent::DeliveryFailed => Self::Failed,
        })
    }

    /// What resending does from this state; an accepted invitation has done its job.
    pub fn resend_plan(self) -> Result<ResendPlan, TransitionRefused> {
        match self {
            Self::Pending => Ok(ResendPlan::RefreshInPlace),
            Self::Expired | Self::Failed | Self::Declined | Self::Revoked => {
                Ok(ResendPlan::InviteAgain)
            }
            Self::Accepted => Err(TransitionRefused { from: self }),
        }
    }
}

impl fmt::Display for InvitationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not an invitation status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Unknown invitation status.")]
pub struct UnknownStatus;

impl FromStr for InvitationStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or(UnknownStatus)
    }
}

/// Allowed range of an organization's invitation lifetime, in days.
pub const TTL_DAYS: std::ops::RangeInclusive<i64> = 1..=30;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use InvitationEvent::*;
    use InvitationStatus::*;

    const EVENTS: [InvitationEvent; 5] = [Accept, Decline, Revoke, Expire, DeliveryFailed];

    #[test]
    fn pending_moves_to_each_final_state() {
        assert_eq!(Pending.apply(Accept), Ok(Accepted));
        assert_eq!(Pending.apply(Decline), Ok(Declined));
        assert_eq!(Pending.apply(Revoke), Ok(Revoked));
        assert_eq!(Pending.apply(Expire), Ok(Expired));
        assert_eq!(Pending.apply(DeliveryFailed), Ok(Failed));
    }

    #[test]
    fn final_states_refuse_every_event() {
        for from in InvitationStatus::ALL.into_iter().filter(|s| s.is_final()) {
            for event in EVENTS {
                assert_eq!(
                    from.apply(event),
                    Err(TransitionRefused { from }),
                    "{from} {event:?}"
                );
            }
        }
    }

    #[test]
    fn resend_plans() {
        assert_eq!(Pending.resend_plan(), Ok(ResendPlan::RefreshInPlace));
        for from in [Expired, Failed, Declined, Revoked] {
            assert_eq!(from.resend_plan(), Ok(ResendPlan::InviteAgain));
        }
        assert!(Accepted.resend_plan().is_err());
    }

    #[test]
    fn expiry_is_read_time() {
        let now = Utc::now();
        assert_eq!(Pending.at(now + Duration::seconds(1), now), Pending);
        assert_eq!(Pending.at(now, now), Expired);
        assert_eq!(Pending.at(now - Duration::days(1), now), Expired);
        // Final states keep their own name after expiry.
        assert_eq!(Revoked.at(now - Duration::days(1), now), Revoked);
        assert_eq!(Accepted.at(now - Duration::days(1), now), Accepted);
    }

    #[test]
    fn text_round_trip() {
        for s in InvitationStatus::ALL {
            assert_eq!(s.as_str().parse(), Ok(s));
        }
        assert!("lost".parse::<InvitationStatus>().is_err());
    }
}
