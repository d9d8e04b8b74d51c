//! Enums stored and sent as fixed codes. One list of variants and their
//! codes gives `ALL`, `as_str` and `parse`, and on the server how sqlx reads
//! the stored code: a code this version does not know is a decode error,
//! never a silent default.

/// `codes!(Kind { Plain = "plain", Secret = "secret" });`
macro_rules! codes {
    ($name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        impl $name {
            /// Every variant, in the order listed.
            pub const ALL: [$name; [$($code),+].len()] = [$($name::$variant),+];

            /// The code, as stored and sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The variant whose code is exactly `code`.
            pub fn parse(code: &str) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        #[cfg(feature = "ssr")]
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <String as sqlx::Type<sqlx::Any>>::type_info()
            }

            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
                <String as sqlx::Type<sqlx::Any>>::compatible(ty)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let code = <String as sqlx::Decode<sqlx::Any>>::decode(value)?;
                $name::parse(&code)
                    .ok_or_else(|| format!("unknown {} {code:?}", stringify!($name)).into())
            }
        }
    };
}

pub(crate) use codes;
