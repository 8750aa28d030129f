//! Sharing a run: the link (the whole run, replayable anywhere), the embed code for a course
//! page, scenario files to export and import, and the canvas as a PNG.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::{Closure, JsValue};
use web_sys::{HtmlAnchorElement, HtmlCanvasElement, HtmlInputElement};
use yew::prelude::*;

use super::api::{self, Hooks};
use super::context::{Ui, use_ui};

fn hooks(ui: &Ui) -> Hooks {
    let set_playing = ui.set_playing.clone();
    let refresh = ui.refresh.clone();
    Hooks {
        engine: ui.engine.clone(),
        set_playing: Rc::new(move |playing| set_playing.emit(playing)),
        refresh: Rc::new(move || refresh.emit(())),
    }
}

/// What to say when `link` is too long to open (`Scenario::link_too_long`): in the Share tab,
/// and once in a notice when the run outgrows it.
pub fn too_long_warning(link: &str) -> Option<String> {
    crate::scenario::Scenario::link_too_long(link).map(|problem| {
        format!(
            "This run no longer fits in a link: {problem}. Export its scenario JSON to keep it."
        )
    })
}

/// The iframe snippet that embeds this run in another page.
pub fn embed_code(link: &str) -> String {
    let (base, fragment) = link.split_once('#').unwrap_or((link, ""));
    let base = base.split('?').next().unwrap_or(base);
    format!(
        "<iframe src=\"{base}?embed#{fragment}\" width=\"800\" height=\"520\" style=\"border:0;max-width:100%\" title=\"Raft Playground\" loading=\"lazy\"></iframe>"
    )
}

/// Which copy button was pressed last (its label), and what its copy came to, for the status
/// beside it.
type Copied = Option<(&'static str, &'static str)>;

const COPIED: &str = "Copied.";
const NO_CLIPBOARD: &str = "Not copied: the browser gives a page served over plain http no clipboard. Select the text above and copy it.";
const REFUSED: &str = "Not copied: the browser refused (a host page may not allow it). Select the text above and copy it.";

/// Copies `text` for the button labelled `button`, and tells `said` how it went. Only a secure
/// page (https, localhost) has a clipboard: served over plain http on a network address it has
/// none, and a host page may keep its frame from writing to it. Either way the person is told
/// to copy by hand, rather than nothing happening but an error in the console.
fn copy(text: &str, button: &'static str, said: Callback<Copied>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    let has_clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into())
        .is_ok_and(|clipboard| !clipboard.is_undefined());
    if !has_clipboard {
        said.emit(Some((button, NO_CLIPBOARD)));
        return;
    }
    // One handler for both outcomes: the write resolves to `undefined` and fails with an error.
    let answer = Closure::once(move |outcome: JsValue| {
        let message = if outcome.is_undefined() {
            COPIED
        } else {
            REFUSED
        };
        said.emit(Some((button, message)));
    });
    let _ = navigator
        .clipboard()
        .write_text(text)
        .then2(&answer, &answer);
    // The promise holds the handler now; the browser frees it once it is done with it.
    drop(answer.into_js_value());
}

/// A copy button with its status: a live region, there before anything is copied, so a
/// screen reader announces what it comes to say.
fn copy_row(button: &'static str, onclick: Callback<MouseEvent>, copied: Copied) -> Html {
    let status = copied
        .filter(|(pressed, _)| *pressed == button)
        .map(|(_, said)| said);
    html! {
        <div class="button-row">
            <button {onclick}>{ button }</button>
            <span class="copy-status" role="status">{ status }</span>
        </div>
    }
}

/// Saves `href` as a file named `name`.
fn download(href: &str, name: &str) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let Ok(anchor) = document.create_element("a") else {
        return;
    };
    let anchor: HtmlAnchorElement = anchor.unchecked_into();
    anchor.set_href(href);
    anchor.set_download(name);
    anchor.click();
}

fn download_text(text: &str, name: &str, mime: &str) {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    download(&url, name);
    let _ = web_sys::Url::revoke_object_url(&url);
}

#[function_component(SharePanel)]
pub fn share_panel() -> Html {
    let ui = use_ui();
    let link = api::current_link(&hooks(&ui));
    // While a lesson is followed, a link to this step of it (with its captions).
    let lesson_link = ui.engine.borrow().followed_lesson_link().map(|lesson| {
        let base = link.split('#').next().unwrap_or_default();
        format!("{base}{}", lesson.fragment())
    });
    // A course page embeds the lesson, captions and all, rather than its bare run.
    let embed = embed_code(lesson_link.as_deref().unwrap_or(&link));
    let embed_label = if lesson_link.is_some() {
        "Embed this lesson, from this step, in a course page"
    } else {
        "Embed in a course page"
    };
    // An import in progress: the reader must live until it calls back.
    let reader = use_mut_ref(|| None::<gloo::file::callbacks::FileReader>);

    let copied = use_state(|| None);
    let said = {
        let copied = copied.clone();
        Callback::from(move |outcome: Copied| copied.set(outcome))
    };
    let copy_link = {
        let (link, said) = (link.clone(), said.clone());
        Callback::from(move |_| copy(&link, "Copy link", said.clone()))
    };
    let copy_embed = {
        let (embed, said) = (embed.clone(), said.clone());
        Callback::from(move |_| copy(&embed, "Copy embed code", said.clone()))
    };
    let copy_lesson_link = lesson_link.clone().map(|lesson_link| {
        let said = said.clone();
        Callback::from(move |_| copy(&lesson_link, "Copy lesson link", said.clone()))
    });
    let export_json = {
        let ui = ui.clone();
        Callback::from(move |_| {
            let scenario = ui.engine.borrow().scenario_at_moment();
            download_text(
                &scenario.to_json(),
                "raft-scenario.json",
                "application/json",
            );
        })
    };
    let export_png = {
        let ui = ui.clone();
        Callback::from(move |_| {
            let canvas = ui
                .painter
                .borrow()
                .cluster_canvas
                .cast::<HtmlCanvasElement>();
            if let Some(url) =
                canvas.and_then(|canvas| canvas.to_data_url_with_type("image/png").ok())
            {
                download(&url, "raft-playground.png");
            }
        })
    };
    let import_json = {
        let ui = ui.clone();
        let reader = reader.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            let hooks = hooks(&ui);
            let slot: Rc<RefCell<Option<gloo::file::callbacks::FileReader>>> = reader.clone();
            let name = file.name();
            // Read as bytes, not as text: the browser would replace bytes that are not UTF-8
            // and load a file that `raft-sim run` refuses.
            let task =
                gloo::file::callbacks::read_as_bytes(&gloo::file::File::from(file), move |bytes| {
                    match bytes {
                        Ok(bytes) => api::load_file(&hooks, &name, bytes),
                        Err(error) => {
                            hooks.engine.borrow_mut().notice =
                                Some(format!("could not read the file: {error}"));
                            (hooks.refresh)();
                        }
                    }
                });
            *slot.borrow_mut() = Some(task);
            input.set_value("");
        })
    };
    html! {
        <div class="panel share-panel">
            <h2>{ "Share this run" }</h2>
            <p class="hint">{ "The link holds the whole run — seed, configuration, every action, and this moment — and replays it exactly, here or with raft-sim." }</p>
            <label class="stacked">
                // A link too long to open says so where its length is given.
                <span>{ too_long_warning(&link).unwrap_or_else(|| format!("Link ({} characters)", link.len())) }</span>
                <input type="text" readonly=true value={link.clone()} aria-label="Link to this run" />
            </label>
            { copy_row("Copy link", copy_link, *copied) }
            if let (Some(lesson_link), Some(copy_lesson_link)) = (lesson_link, copy_lesson_link) {
                <label class="stacked">
                    <span>{ "Link to this step of the lesson, with its captions" }</span>
                    <input type="text" readonly=true value={lesson_link} aria-label="Link to this step of the lesson" />
                </label>
                { copy_row("Copy lesson link", copy_lesson_link, *copied) }
            }
            <label class="stacked">
                <span>{ embed_label }</span>
                <textarea readonly=true rows="4" aria-label="Embed code" value={embed.clone()} />
            </label>
            { copy_row("Copy embed code", copy_embed, *copied) }
            <h3>{ "Files" }</h3>
            <div class="button-row">
                <button onclick={export_json}>{ "Export scenario JSON" }</button>
                <button onclick={export_png}>{ "Export canvas as PNG" }</button>
            </div>
            <label class="stacked">
                <span>{ "Import scenario JSON" }</span>
                <input type="file" accept=".json,application/json" onchange={import_json} aria-label="Import scenario JSON file" />
            </label>
        </div>
    }
}
