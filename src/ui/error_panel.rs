//! What a person sees when the page panics: a panel with the message, never a frozen canvas.
//!
//! The panel is built with plain DOM calls rather than Yew, because after a panic the Yew
//! scheduler may be in an unknown state and must not be trusted to render anything.

use wasm_bindgen::JsCast;

const PANEL_ID: &str = "error-panel";

/// Routes every panic to the console and to the error panel.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&message.clone().into());
        show(&message);
    }));
}

/// Shows (or replaces) the error panel. Best effort: if the DOM is unavailable there is
/// nowhere to show anything, and the console already has the message.
pub fn show(message: &str) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let panel = match document.get_element_by_id(PANEL_ID) {
        Some(panel) => panel,
        None => match document.create_element("div") {
            Ok(panel) => panel,
            Err(_) => return,
        },
    };
    panel.set_id(PANEL_ID);
    let _ = panel.set_attribute("role", "alert");
    panel.set_inner_html("");
    let heading = document.create_element("h2").ok();
    let body = document.create_element("pre").ok();
    if let (Some(heading), Some(body)) = (heading, body) {
        heading.set_text_content(Some("The playground stopped on an internal error"));
        body.set_text_content(Some(message));
        let _ = panel.append_child(&heading);
        let _ = panel.append_child(&body);
    }
    if let Some(body) = document.body() {
        let _ = body.append_child(panel.unchecked_ref());
    }
}
