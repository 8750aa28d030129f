//! The theme a person chose, remembered in the browser's storage. The colours themselves are
//! pure data in `view::palette`, re-exported here for the page.

pub use crate::view::palette::{Palette, Theme, message_colour, node_fill, term_colour};

const THEME_KEY: &str = "raft-playground-theme";

/// The theme a person chose on an earlier visit, if any.
pub fn saved_theme() -> Option<Theme> {
    let storage = web_sys::window()?.local_storage().ok()??;
    match storage.get_item(THEME_KEY).ok()??.as_str() {
        "dark" => Some(Theme::Dark),
        "light" => Some(Theme::Light),
        _ => None,
    }
}

/// Remembers the chosen theme (best effort: storage may be unavailable, e.g. in a private
/// window or a sandboxed embed).
pub fn save_theme(theme: Theme) {
    let storage = web_sys::window().and_then(|window| window.local_storage().ok().flatten());
    if let Some(storage) = storage {
        let _ = storage.set_item(
            THEME_KEY,
            if theme == Theme::Dark {
                "dark"
            } else {
                "light"
            },
        );
    }
}
