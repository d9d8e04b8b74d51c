//! Ids and version numbers as types of their own, so a function taking a
//! workspace, a secret, a key version and a value version cannot be given
//! them in another order. On the wire and in the database they are plain
//! numbers.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        // Bound and read by sqlx as the BIGINT it is stored as.
        #[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(pub i64);

        impl $name {
            /// The number as stored.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

ids! {
    /// A user account.
    UserId;
    /// A workspace.
    WorkspaceId;
    /// A plain variable or a secret.
    VariableId;
    /// A workflow.
    WorkflowId;
    /// An API block.
    BlockId;
    /// A workspace access token (its row, never its secret).
    TokenId;
    /// A version of a workspace's data key.
    KeyVersion;
    /// A version of a secret's value (part of what its ciphertext is bound to).
    ValueVersion;
}

impl KeyVersion {
    pub fn next(self) -> KeyVersion {
        KeyVersion(self.0 + 1)
    }
}

impl ValueVersion {
    pub const FIRST: ValueVersion = ValueVersion(1);

    pub fn next(self) -> ValueVersion {
        ValueVersion(self.0 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_numbers_on_the_wire() {
        assert_eq!(serde_json::to_string(&VariableId(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<BlockId>("12").unwrap(), BlockId(12));
        assert_eq!(VariableId(7).to_string(), "7");
        assert_eq!(ValueVersion::FIRST.next(), ValueVersion(2));
    }
}
