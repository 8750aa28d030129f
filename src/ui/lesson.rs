//! Following a lesson: the caption card over the canvas, with back and next (each step is a
//! moment of the run, so back really goes back in time), and the Learn panel listing the
//! lessons. Acting at any point turns the lesson's run into the learner's sandbox.

use yew::prelude::*;

use super::context::{Ui, use_ui};
use crate::lessons;

/// Opens lesson `id` (also putting `#lesson=ID` in the address).
pub fn open(ui: &Ui, id: &str) {
    open_at(ui, id, None);
}

/// Opens the lesson `id` at `step` (from 1), or at its start.
fn open_at(ui: &Ui, id: &str, step: Option<usize>) {
    ui.set_playing.emit(false);
    let link = crate::lessons::LessonLink {
        id: id.to_string(),
        step,
        unread_step: None,
    };
    let result = ui.engine.borrow_mut().open_lesson(&link);
    match result {
        // On a phone the panels sit below the canvas: bring the caption and the cluster into
        // view (a page that fits its window does not scroll at all).
        Ok(()) => {
            if let Some(window) = web_sys::window() {
                window.scroll_to_with_x_and_y(0.0, 0.0);
            }
        }
        Err(message) => ui.engine.borrow_mut().notice = Some(message),
    }
    ui.refresh.emit(());
}

/// Where the page remembers, for the rest of the browser session only, that the person folded
/// the lesson card away (in a small embed it can take most of the frame).
const FOLDED_KEY: &str = "raft-playground-lesson-folded";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// Whether the card was folded away earlier in this session.
fn saved_folded() -> bool {
    session_storage().and_then(|storage| storage.get_item(FOLDED_KEY).ok().flatten())
        == Some(FOLDED.to_string())
}

const FOLDED: &str = "folded";

/// Remembers the card folded or not (best effort: storage may be unavailable, e.g. in a
/// sandboxed embed, and then the card folds for this page only).
fn save_folded(folded: bool) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(FOLDED_KEY, if folded { FOLDED } else { "" });
    }
}

#[function_component(LessonCard)]
pub fn lesson_card() -> Html {
    let ui = use_ui();
    let folded = use_state(saved_folded);
    let engine = ui.engine.borrow();
    let Some(lesson) = engine.lesson.as_ref() else {
        return Html::default();
    };
    let now = engine.now_us();
    let current = lesson.current(now);
    let count = lesson.steps.len();
    let (title, id, sandbox) = (lesson.title, lesson.id, lesson.sandbox);
    let caption = match current {
        Some(index) => lesson.steps[index].caption.to_string(),
        None => "Press Next to begin.".to_string(),
    };
    let moment_of = |index: usize| lesson.steps[index].at_ms * 1_000;
    let back_to = match current {
        Some(0) | None => None,
        Some(index) => Some(moment_of(index - 1)),
    };
    let next_to = match current {
        None if count > 0 => Some(moment_of(0)),
        Some(index) if index + 1 < count => Some(moment_of(index + 1)),
        _ => None,
    };
    drop(engine);
    let go = |target: Option<u64>| {
        let ui = ui.clone();
        Callback::from(move |_| {
            if let Some(at_us) = target {
                ui.set_playing.emit(false);
                ui.seek(at_us);
            }
        })
    };
    let restart = {
        let ui = ui.clone();
        Callback::from(move |_| open(&ui, id))
    };
    let progress = current.map_or(0, |index| index + 1);
    // A learner who took over at a later step goes back to it, not through every step again.
    let resume = {
        let ui = ui.clone();
        Callback::from(move |_| open_at(&ui, id, Some(progress)))
    };
    let close = {
        let ui = ui.clone();
        Callback::from(move |_| {
            ui.engine.borrow_mut().lesson = None;
            ui.refresh.emit(());
        })
    };
    let toggle = {
        let folded = folded.clone();
        Callback::from(move |_| {
            save_folded(!*folded);
            folded.set(!*folded);
        })
    };
    // The toggle keeps its place in the header, folded or not, so the focus stays on it.
    let (toggle_label, toggle_mark, expanded) = if *folded {
        ("Show the lesson card", "▾", "false")
    } else {
        ("Fold the lesson card away", "▴", "true")
    };
    html! {
        <section class={classes!("lesson-card", sandbox.then_some("lesson-sandbox"), folded.then_some("lesson-folded"))}
            aria-label="Lesson" aria-live="polite">
            <header class="lesson-header">
                <strong>{ title }</strong>
                <span class="lesson-progress">{ format!("step {progress} of {count}") }</span>
                <button class="lesson-fold" aria-label={toggle_label} aria-expanded={expanded}
                    onclick={toggle}>{ toggle_mark }</button>
                <button class="lesson-close" aria-label="Close the lesson" onclick={close}>{ "×" }</button>
            </header>
            // Folded, the caption and the buttons stay in the page, hidden (from screen readers
            // too: see style.css).
            if sandbox {
                <p class="lesson-sandbox-note">
                    { "You have taken over: this run is yours now, and the lesson's captions no longer describe it. " }
                    if progress > 1 {
                        <button onclick={resume}>{ format!("Back to step {progress}") }</button>
                    }
                    <button onclick={restart.clone()}>{ "Restart the lesson" }</button>
                </p>
            } else {
                // Focusable: in a small embed the caption scrolls, and keys must reach it too.
                <p class="lesson-caption" tabindex="0">{ caption }</p>
            }
            <div class="lesson-nav">
                <button onclick={go(back_to)} disabled={back_to.is_none() || sandbox} aria-label="Back to the previous step">{ "◀ Back" }</button>
                <button class="primary" onclick={go(next_to)} disabled={next_to.is_none() || sandbox} aria-label="Next step">{ "Next ▶" }</button>
            </div>
        </section>
    }
}

pub fn learn_panel(ui: &Ui) -> Html {
    let current = ui.engine.borrow().lesson.as_ref().map(|lesson| lesson.id);
    let items = lessons::catalog().iter().map(|lesson| {
        let onclick = {
            let ui = ui.clone();
            let id = lesson.id;
            Callback::from(move |_| open(&ui, id))
        };
        let active = current == Some(lesson.id);
        html! {
            <li class={classes!("lesson-item", active.then_some("lesson-active"))}>
                <button class="lesson-open" {onclick} aria-label={format!("Open the lesson {}", lesson.title)}>{ lesson.title }</button>
                <p class="hint">{ lesson.summary }</p>
                <a class="lesson-link" href={lesson.fragment()}>{ lesson.fragment() }</a>
            </li>
        }
    });
    html! {
        <div class="panel">
            <h2>{ "Lessons" }</h2>
            <p class="hint">{ "Each lesson is a run with captions. Next and Back move through its moments; act at any point to take over." }</p>
            <ol class="lesson-list">{ for items }</ol>
        </div>
    }
}
