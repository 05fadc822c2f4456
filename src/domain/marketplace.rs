//! The Marketplace's browse and search rules: what a query may hold, how
//! it is sorted and paged, and the full-text query built from what a
//! visitor typed. Search text never reaches the database as syntax: it is
//! cut into words of letters and digits, and only those words are put
//! into the engine's query (SQLite FTS5 or PostgreSQL tsquery).

use serde::{Deserialize, Serialize};

use super::listing::CATEGORIES;

/// Apps on one page of results.
pub const PAGE_SIZE: usize = 24;
/// Words of a search used; the rest are ignored.
pub const MAX_SEARCH_WORDS: usize = 8;
/// Characters of one search word used.
pub const MAX_WORD_CHARS: usize = 40;
/// Characters of the search box read at all (a 10 KB paste is cut here).
pub const MAX_SEARCH_CHARS: usize = 200;
/// A search sorted other than by best match (newest, most installed,
/// name) sorts at most this many matching apps, the newest: sorting is
/// the cost that grows with the catalogue, and a visitor who matches more
/// narrows the search with another word or a category. Best match needs
/// no such cut: its tiers are read in order (see `Tier`).
pub const MAX_RANKED: usize = 1000;

/// Best match, as tiers: an app whose name has every word comes first,
/// then one whose name and short description have them between them, then
/// one that has them anywhere (the long description too); newest first
/// within a tier. Each tier is an index of its own, read newest first, so
/// a page costs the same however many apps match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Name,
    NameAndShortDescription,
    Anywhere,
}

impl Tier {
    /// Best first.
    pub const ALL: [Tier; 3] = [Tier::Name, Tier::NameAndShortDescription, Tier::Anywhere];

    /// PostgreSQL's weights for the columns of this tier (name A, short
    /// description B, long description C; '' for all).
    pub fn weights(self) -> &'static str {
        match self {
            Tier::Name => "A",
            Tier::NameAndShortDescription => "AB",
            Tier::Anywhere => "",
        }
    }
}
/// The last page one may ask for (deeper offsets cost the database more
/// than anyone browsing needs).
pub const MAX_PAGE: usize = 400;

super::stored_names! {
    /// The order of results.
    pub enum Sort {
        /// Best match first (searches); newest first without a search.
        Relevance = "relevance",
        Newest = "newest",
        MostInstalled = "installs",
        Name = "name",
    }
}

impl Sort {
    /// The name in the sort menu.
    pub fn label(self) -> &'static str {
        match self {
            Sort::Relevance => "Best match",
            Sort::Newest => "Newest",
            Sort::MostInstalled => "Most installed",
            Sort::Name => "Name",
        }
    }
}

/// A Marketplace query as it came in the address (`?q=&category=&sort=&page=`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowseIn {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: String,
}

/// A Marketplace query, checked: anything unknown falls back to the
/// default rather than failing (an address is not a form to correct).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Browse {
    /// What the visitor typed, cut to `MAX_SEARCH_CHARS` (shown back).
    pub q: String,
    /// The words searched for, lowercase; empty: no search.
    pub words: Vec<String>,
    /// A category slug from `listing::CATEGORIES`.
    pub category: Option<String>,
    pub sort: Sort,
    /// 1-based.
    pub page: usize,
}

impl Browse {
    /// Rows to skip before this page.
    pub fn offset(&self) -> usize {
        (self.page - 1) * PAGE_SIZE
    }
}

/// Reads a Marketplace query.
pub fn browse(input: &BrowseIn) -> Browse {
    let mut q: String = input.q.chars().take(MAX_SEARCH_CHARS).collect();
    if q.len() < input.q.len() {
        // Cut: a word the cut went through is not what was typed.
        if let Some(end) = q.rfind(|c: char| !c.is_alphanumeric()) {
            q.truncate(end);
        }
    }
    let words = search_words(&q);
    let category = CATEGORIES
        .iter()
        .find(|(slug, _)| *slug == input.category)
        .map(|(slug, _)| (*slug).to_owned());
    let sort = match Sort::parse(&input.sort) {
        Some(Sort::Relevance) | None if words.is_empty() => Sort::Newest,
        Some(sort) => sort,
        None => Sort::Relevance,
    };
    let page = input.page.parse::<usize>().unwrap_or(1).clamp(1, MAX_PAGE);
    Browse {
        q: q.trim().to_owned(),
        words,
        category,
        sort,
        page,
    }
}

/// The words of a search: runs of letters and digits, lowercase, each cut
/// to `MAX_WORD_CHARS`, without repeats, at most `MAX_SEARCH_WORDS`.
pub fn search_words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let word: String = word.to_lowercase().chars().take(MAX_WORD_CHARS).collect();
        if !words.contains(&word) {
            words.push(word);
        }
        if words.len() == MAX_SEARCH_WORDS {
            break;
        }
    }
    words
}

/// Words shorter than this match whole words only: a one- or two-letter
/// prefix would match nearly every app, and ranking them all is the
/// expensive part of a search.
pub const MIN_PREFIX_CHARS: usize = 3;

fn is_prefix(word: &str) -> bool {
    word.chars().count() >= MIN_PREFIX_CHARS
}

/// SQLite FTS5: every word as a quoted term (a prefix from
/// `MIN_PREFIX_CHARS` on), all required.
pub fn fts5_query(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\"{}", if is_prefix(w) { "*" } else { "" }))
        .collect::<Vec<_>>()
        .join(" ")
}

/// PostgreSQL `to_tsquery('simple', …)`: the same terms, all required,
/// each in the columns of `tier`.
pub fn tsquery(words: &[String], tier: Tier) -> String {
    let weights = tier.weights();
    words
        .iter()
        .map(|w| match (is_prefix(w), weights.is_empty()) {
            (true, true) => format!("{w}:*"),
            (true, false) => format!("{w}:*{weights}"),
            (false, true) => w.clone(),
            (false, false) => format!("{w}:{weights}"),
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// The address of a Marketplace page for `browse` with some parts changed
/// (the links of filters, sorting and paging).
pub fn href(q: &str, category: Option<&str>, sort: Option<Sort>, page: usize) -> String {
    let mut parts = Vec::new();
    if !q.is_empty() {
        parts.push(format!("q={}", encode(q)));
    }
    if let Some(category) = category {
        parts.push(format!("category={}", encode(category)));
    }
    if let Some(sort) = sort {
        parts.push(format!("sort={}", sort.as_str()));
    }
    if page > 1 {
        parts.push(format!("page={page}"));
    }
    if parts.is_empty() {
        "/marketplace".to_owned()
    } else {
        format!("/marketplace?{}", parts.join("&"))
    }
}

/// Percent-encodes a query value (unreserved characters pass).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(q: &str, sort: &str, page: &str) -> Browse {
        browse(&BrowseIn {
            q: q.into(),
            category: String::new(),
            sort: sort.into(),
            page: page.into(),
        })
    }

    #[test]
    fn search_text_becomes_words_and_never_syntax() {
        assert_eq!(
            search_words(r#"Notes "taker" OR -x* NEAR(a b) ' ; DROP"#),
            ["notes", "taker", "or", "x", "near", "a", "b", "drop"]
        );
        assert_eq!(search_words("Café CAFÉ café"), ["café"]);
        assert_eq!(search_words(r#"" ' * ( ) : ^ -"#), Vec::<String>::new());
        let words = search_words(&"a ".repeat(5000));
        assert_eq!(words, ["a"]);
        let many = search_words("one two three four five six seven eight nine ten");
        assert_eq!(many.len(), MAX_SEARCH_WORDS);
        let long = search_words(&"x".repeat(10_000));
        assert_eq!(long[0].chars().count(), MAX_WORD_CHARS);
        assert_eq!(
            fts5_query(&search_words("meeting notes")),
            r#""meeting"* "notes"*"#
        );
        assert_eq!(
            tsquery(&search_words("meeting notes"), Tier::Anywhere),
            "meeting:* & notes:*"
        );
        // Short words are whole words, not prefixes.
        assert_eq!(fts5_query(&search_words("a to crm")), r#""a" "to" "crm"*"#);
        assert_eq!(
            tsquery(&search_words("a to crm"), Tier::Anywhere),
            "a & to & crm:*"
        );
        // A tier is a weight filter on each word.
        assert_eq!(
            tsquery(&search_words("to crm"), Tier::Name),
            "to:A & crm:*A"
        );
        assert_eq!(
            tsquery(&search_words("to crm"), Tier::NameAndShortDescription),
            "to:AB & crm:*AB"
        );
    }

    #[test]
    fn a_query_falls_back_to_defaults() {
        let plain = read("", "", "");
        assert_eq!(
            (plain.sort, plain.page, plain.category),
            (Sort::Newest, 1, None)
        );
        assert_eq!(read("notes", "", "").sort, Sort::Relevance);
        assert_eq!(read("", "relevance", "").sort, Sort::Newest);
        assert_eq!(read("notes", "name", "0").page, 1);
        assert_eq!(read("", "bogus", "99999").page, MAX_PAGE);
        assert_eq!(read("", "installs", "3").offset(), 2 * PAGE_SIZE);
        let ten_kb = read(&"é".repeat(10_000), "", "");
        assert_eq!(ten_kb.q.chars().count(), MAX_SEARCH_CHARS);
        // A cut never leaves half a word to search for.
        assert_eq!(read(&"notes ".repeat(1700), "", "").words, ["notes"]);
        let category = browse(&BrowseIn {
            category: "productivity".into(),
            ..BrowseIn::default()
        });
        assert_eq!(category.category.as_deref(), Some("productivity"));
        let unknown = browse(&BrowseIn {
            category: "<script>".into(),
            ..BrowseIn::default()
        });
        assert_eq!(unknown.category, None);
    }

    #[test]
    fn links_keep_the_query() {
        assert_eq!(href("", None, None, 1), "/marketplace");
        assert_eq!(
            href("a&b c", Some("productivity"), Some(Sort::Name), 2),
            "/marketplace?q=a%26b+c&category=productivity&sort=name&page=2"
        );
    }
}
