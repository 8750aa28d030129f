//! The page's address: the run travels in the URL fragment (`#s=` a link payload, or
//! `#lesson=` a lesson id, with `&step=` a step), the query says whether the page is embedded
//! (`?embed`).

use crate::scenario::{Origin, Scenario, ScenarioError};

/// What the address asks the page to show.
pub enum Start {
    /// Nothing: a fresh run.
    Fresh,
    /// A shared run, to replay to its moment.
    Link(Box<Scenario>),
    /// A link that does not decode; the message names the problem.
    BadLink(String),
    /// A built-in lesson, perhaps at one of its steps.
    Lesson(crate::lessons::LessonLink),
}

fn location() -> Option<web_sys::Location> {
    web_sys::window().map(|window| window.location())
}

/// The address's fragment, `#` included, as typed: the browser percent-encodes what is not
/// ASCII, and a message about an emoji pasted into a link must name the emoji, not the "%"
/// standing for it. (A good link is all ASCII, so decoding leaves it as it is.)
pub fn fragment() -> String {
    let hash = raw_fragment();
    js_sys::decode_uri_component(&hash).map_or(hash, String::from)
}

/// The address's fragment, `#` included, as the browser holds it (percent-encoded).
pub fn raw_fragment() -> String {
    location()
        .and_then(|location| location.hash().ok())
        .unwrap_or_default()
}

/// Reads the fragment.
pub fn read() -> Start {
    let hash = fragment();
    let fragment = hash.trim_start_matches('#');
    if fragment.is_empty() {
        return Start::Fresh;
    }
    if let Some(link) = crate::lessons::LessonLink::from_fragment(fragment) {
        return Start::Lesson(link);
    }
    // The whole fragment, `#` included: the decoder then knows it is a link's fragment, and
    // `#foo` is "no scenario in it", not a payload to decode.
    match Scenario::from_link(&hash) {
        Ok(scenario) => Start::Link(Box::new(scenario)),
        Err(error) => Start::BadLink(problem_text(&error)),
    }
}

/// A scenario that could not be read, in a sentence for the notice bar: what was being read
/// (a link, or scenario JSON from a file or a script), then where and what is wrong.
pub fn problem_text(error: &ScenarioError) -> String {
    let what = match error.origin {
        Origin::Link => "This link could not be opened",
        Origin::Json => "This scenario could not be read",
    };
    format!("{what}: {}", error.detail())
}

/// Puts `link` (a full link from `api::current_link`) in the address bar without navigating,
/// as a new history entry if `new_entry` (a fork, which Back undoes), else in place. In a
/// frame it never adds one: the host page shares the history, and its reader's Back would
/// change the embedded run instead of leaving the course page.
pub fn write(link: &str, new_entry: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let in_a_frame = window
        .parent()
        .ok()
        .flatten()
        .is_some_and(|parent| parent != window);
    let new_entry = new_entry && !in_a_frame;
    let Ok(history) = window.history() else {
        return;
    };
    let Some(fragment) = link.find('#').map(|at| &link[at..]) else {
        return;
    };
    let current = window.location().hash().unwrap_or_default();
    if current == fragment {
        return;
    }
    let _ = if new_entry {
        history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(fragment))
    } else {
        history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(fragment))
    };
}

/// The controls an embed can show.
pub const EMBED_CONTROLS: [&str; 5] = ["play", "step", "speed", "timeline", "logs"];

/// What to tell a course author whose `controls=` names a control an embed does not have (a
/// typo would otherwise just leave that control out); none if every name is known.
pub fn unknown_embed_controls(controls: &[String]) -> Option<String> {
    let mut message = String::new();
    for name in controls {
        if EMBED_CONTROLS.contains(&name.as_str()) {
            continue;
        }
        message.push_str(if message.is_empty() {
            "This embed's link asks for controls it does not have: "
        } else {
            ", "
        });
        message.push_str(&crate::scenario::quoted(name));
    }
    (!message.is_empty())
        .then(|| message + ". Its controls are play, step, speed, timeline and logs.")
}

/// Whether the page is embedded (`?embed` in the query), and which controls to show there
/// (`?embed&controls=play,step,speed,timeline`; default play, step and speed).
pub fn embed_controls() -> Option<Vec<String>> {
    let search = location()
        .and_then(|location| location.search().ok())
        .unwrap_or_default();
    let query = search.trim_start_matches('?');
    let mut embed = false;
    let mut controls = vec!["play".to_string(), "step".to_string(), "speed".to_string()];
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "embed" => embed = true,
            // As a link builder may write it: percent-encoded (`%2C` for the commas), with
            // spaces, in capitals.
            "controls" => {
                let value = js_sys::decode_uri_component(&value.replace('+', " "))
                    .map_or_else(|_| value.to_string(), String::from);
                controls = value
                    .split(',')
                    .map(|name| name.trim().to_ascii_lowercase())
                    .filter(|name| !name.is_empty())
                    .collect()
            }
            _ => {}
        }
    }
    embed.then_some(controls)
}
