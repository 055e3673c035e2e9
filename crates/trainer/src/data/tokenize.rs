//! The one tokenizer of the workspace's word-level data: every reader (the
//! built-in corpus, Tatoeba files, `attn translate`'s sentences) and every
//! test calls [`tokenize`].
//!
//! Text is normalised for a word-level model: lower-cased with Unicode's
//! rules, accents kept (`étudiant`), the curly apostrophe made straight,
//! punctuation split into tokens of its own, and elided words split after
//! their apostrophe, so that `Je t'aime.` becomes `je t' aime .`, the
//! article's tokens.

/// Punctuation that becomes a token of its own.
const PUNCTUATION: &[char] = &['.', ',', '!', '?', ';', ':', '"', '«', '»', '(', ')', '…', '¡', '¿'];

/// Splits normalised text into word tokens; see the [module docs](self).
///
/// # Example
///
/// ```
/// use trainer::data::tokenize::tokenize;
/// assert_eq!(tokenize("Je t’aime, Élise !"), ["je", "t'", "aime", ",", "élise", "!"]);
/// ```
pub fn tokenize(text: &str) -> Vec<String> {
    let text = text.replace(['\u{2019}', '\u{2018}'], "'").to_lowercase();
    let mut tokens = Vec::new();
    for word in text.split_whitespace() {
        let mut current = String::new();
        for c in word.chars() {
            if PUNCTUATION.contains(&c) {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
                tokens.push(c.to_string());
            } else if c == '\'' {
                current.push(c);
                tokens.push(std::mem::take(&mut current));
            } else {
                current.push(c);
            }
        }
        if !current.is_empty() {
            tokens.push(current);
        }
    }
    tokens
}

/// Words back into text, as French is written: no space after an elided
/// word (`l'`) or before `.` `,` `…` and closing brackets, one before
/// `? ! : ;` and after `«`; the first letter upper-cased when `capital`.
///
/// # Example
///
/// ```
/// use trainer::data::tokenize::detokenize;
/// let words = ["impossible", "d'", "ouvrir", "le", "fichier", "."].map(String::from);
/// assert_eq!(detokenize(&words, true), "Impossible d'ouvrir le fichier.");
/// ```
pub fn detokenize(words: &[String], capital: bool) -> String {
    let mut text = String::new();
    for word in words {
        let glued = text.is_empty()
            || text.ends_with('\'')
            || text.ends_with(['(', '¡', '¿'])
            || matches!(word.as_str(), "." | "," | "…" | ")");
        if !glued {
            text.push(' ');
        }
        text.push_str(word);
    }
    if capital && let Some(first) = text.chars().next() {
        let upper: String = first.to_uppercase().collect();
        text = format!("{upper}{}", &text[first.len_utf8()..]);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_articles_sentence_tokenizes_as_the_article_writes_it() {
        assert_eq!(tokenize("I love you."), ["i", "love", "you", "."]);
        assert_eq!(tokenize("Je t'aime."), ["je", "t'", "aime", "."]);
        assert_eq!(
            tokenize("Est-ce que tu m'aimes ?"),
            ["est-ce", "que", "tu", "m'", "aimes", "?"]
        );
        assert_eq!(tokenize("Elles sont FRANÇAISES."), ["elles", "sont", "françaises", "."]);
    }
}
