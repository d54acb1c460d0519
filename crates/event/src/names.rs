//! `names!`: fieldless enums with stable string names, shared by `Kind`, `Agent`, `Source`, `Phase`
//! and `Outcome`.
//!
//! The string names are part of tl's public surface (CLI filters, `--json` output, rule files),
//! and the variant order is part of the binary codec (postcard writes the variant index), so both
//! are append-only: add new variants at the end, never rename or reorder.

/// Defines a fieldless enum whose variants have stable string names, with `ALL`, `as_str`,
/// `Display`, `FromStr` and serde support (the string name in self-describing formats such as
/// JSON; the variant index in postcard).
macro_rules! names {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident as $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $str:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $str)] $variant, )+
        }

        impl $name {
            /// Every variant, in codec order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The stable string name of this variant.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $str, )+
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl core::str::FromStr for $name {
            type Err = crate::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $str => Ok($name::$variant), )+
                    _ => Err(crate::Error::UnknownName { what: $what, name: s.to_owned() }),
                }
            }
        }
    };
}

pub(crate) use names;
