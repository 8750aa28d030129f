//! The browser page: Yew components and canvas drawing. Only compiled for wasm32.
//!
//! The UI reads the model and sends it actions; it never changes node state directly.

mod app;
mod canvas;
mod error_panel;

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
