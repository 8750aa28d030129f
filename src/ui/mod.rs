//! The browser page: Yew components and canvas drawing. Only compiled for wasm32.
//!
//! `engine` holds the run and how it plays; `app` runs the animation loop; `painter` and
//! `draw` turn view data into canvas calls; the rest are components, one per file.

mod affordance;
mod api;
mod app;
mod bugs_on;
mod canvas;
mod clients_panel;
mod config_panel;
mod context;
mod draw;
mod embed;
mod engine;
mod error_panel;
mod help_panel;
mod inspector;
mod lesson;
mod log_panel;
mod metrics_panel;
mod network_panel;
mod number_field;
mod painter;
mod palette;
mod panels;
mod share_panel;
mod spacetime;
mod timeline;
mod toolbar;
mod url;
mod violation;

/// The `#...` part of a link.
fn url_fragment_of(link: &str) -> &str {
    link.find('#').map_or("", |at| &link[at..])
}

/// Puts the keyboard on the element with this id, if there is one.
fn focus_by_id(id: &str) {
    use wasm_bindgen::JsCast;
    let element = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(id))
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

/// Starts the page: installs the panic handler, then mounts the app on `<body>`.
pub fn start() {
    error_panel::install_panic_hook();
    yew::Renderer::<app::App>::new().render();
}

/// Mounts the app inside `root` and nothing else: no panic hook. Tests use this so the test
/// runner keeps its own page and panic reporting.
pub fn mount(root: web_sys::Element) {
    yew::Renderer::<app::App>::with_root(root).render();
}
