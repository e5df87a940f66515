//! The two languages of every user-facing text: Bahasa Indonesia first, English
//! on request.

use serde::{Deserialize, Serialize};

/// A user-facing language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    /// Bahasa Indonesia, the default.
    #[default]
    #[serde(rename = "id")]
    Id,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// Parses a language tag such as `id`, `en`, `en-GB`; `None` for others.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "id" | "in" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the language from an `Accept-Language` header value: the first of
    /// `id` or `en` in order of preference (q values), Indonesian otherwise.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Lang::from_tag) else {
                continue;
            };
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }

    /// The language tag, `id` or `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// Chooses between an Indonesian and an English text.
    pub fn pick<'a>(self, id: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }
}

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// Bahasa Indonesia.
    pub id: String,
    /// English.
    pub en: String,
}

impl Msg {
    /// A message from its two texts.
    pub fn new(id: impl Into<String>, en: impl Into<String>) -> Msg {
        Msg {
            id: id.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.id, &self.en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_highest_quality_known_language() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(
            Lang::from_accept_language("fr, en;q=0.5, id;q=0.8"),
            Lang::Id
        );
        assert_eq!(Lang::from_accept_language("de"), Lang::Id);
        assert_eq!(Lang::from_accept_language(""), Lang::Id);
        assert_eq!(Lang::from_accept_language("id-ID"), Lang::Id);
    }
}
