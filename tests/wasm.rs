//! Tests that run inside a headless browser through wasm-bindgen-test:
//! `cargo test --target wasm32-unknown-unknown --test wasm` (the runner is set in
//! `.cargo/config.toml`), in Chromium with `CHROMEDRIVER` set and in Firefox with `GECKODRIVER`;
//! `scripts/test` runs both, so saved runs are shown to replay alike on two JavaScript engines.
//! Native builds compile this file to nothing.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The page mounts in a real browser: the canvas gets a backing store sized to its box, and
/// the visible build version is the package's.
#[wasm_bindgen_test]
async fn page_mounts_with_canvas_and_version() {
    let document = web_sys::window().unwrap().document().unwrap();
    // The page's three style sheets, as index.html links them: the app's hidden words (the
    // ring's summary for screen readers) rely on controls.css to stay out of the layout.
    let style = document.create_element("style").unwrap();
    style.set_text_content(Some(concat!(
        include_str!("../www/style.css"),
        include_str!("../www/inspect.css"),
        include_str!("../www/controls.css")
    )));
    document.head().unwrap().append_child(&style).unwrap();
    let root = document.create_element("div").unwrap();
    root.set_attribute("style", "width: 640px; height: 480px")
        .unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    raft_playground::ui::mount(root);
    gloo::timers::future::TimeoutFuture::new(50).await;

    let canvas: web_sys::HtmlCanvasElement = document
        .query_selector("canvas.cluster-canvas")
        .unwrap()
        .expect("the app renders a cluster canvas")
        .dyn_into()
        .unwrap();
    // An unsized canvas keeps the default 300x150 backing store; a sized one matches its box
    // (the stage beside the side panel) times the device pixel ratio.
    let ratio = web_sys::window().unwrap().device_pixel_ratio().max(1.0);
    let box_width = canvas.client_width();
    assert!(
        box_width > 300 && box_width <= 640,
        "the canvas fills its stage: {box_width}"
    );
    assert_eq!(
        canvas.width(),
        (f64::from(box_width) * ratio).round() as u32
    );
    let expected_height = (f64::from(canvas.client_height()) * ratio).round() as u32;
    assert_eq!(canvas.height(), expected_height);

    let version = document
        .query_selector(".build-version")
        .unwrap()
        .expect("the build version is visible")
        .text_content()
        .unwrap();
    assert_eq!(version, raft_playground::BUILD_VERSION);
}

/// Determinism across platforms: the saved regression runs (tests/data/regression, whose state
/// hashes and event counts were recorded natively and are checked natively by
/// tests/regression.rs) replay to exactly the same hashes and counts in the browser.
#[wasm_bindgen_test]
fn saved_runs_reach_the_same_state_hash_as_natively() {
    #[derive(serde::Deserialize)]
    struct Saved {
        name: String,
        link: String,
        state_hash: String,
        events: u64,
    }
    let saved: Vec<Saved> =
        serde_json::from_str(include_str!("data/regression/scenarios.json")).unwrap();
    assert!(saved.len() >= 5, "the regression file holds the saved runs");
    for run in saved {
        let scenario = raft_playground::scenario::Scenario::from_link(&run.link).unwrap();
        let mut simulation = raft_playground::sim::Simulation::new(&scenario);
        simulation.run();
        assert_eq!(
            format!("{:016x}", simulation.state_hash()),
            run.state_hash,
            "{}",
            run.name
        );
        assert_eq!(simulation.events_processed(), run.events, "{}", run.name);
    }
}

/// The lesson catalog the page plays was resolved natively (tests/lessons.rs); replaying every
/// lesson here, every caption's moment and promise must come out the same in the browser.
#[wasm_bindgen_test]
fn lessons_resolve_in_the_browser_to_the_catalog_the_page_plays() {
    use raft_playground::lessons;
    let catalog = lessons::catalog();
    assert!(catalog.len() >= 10, "the catalog holds the lessons");
    for resolved in catalog {
        let lesson = lessons::by_id(resolved.id).expect("a lesson file per catalog entry");
        let steps = lessons::resolve(&lesson).unwrap_or_else(|problem| panic!("{problem}"));
        assert_eq!(steps, resolved.steps, "{}", resolved.id);
    }
}
