//! Embed mode (`?embed`): the canvas and the controls a course author chose
//! (`&controls=play,step,speed,timeline,logs`), sized by the frame, with a link to open the
//! run in the full playground.

use yew::prelude::*;

use super::canvas::ClusterCanvas;
use super::context::Ui;
use super::log_panel::LogPanel;
use super::timeline::Timeline;
use super::toolbar::{PlayCallbacks, notice_bar, play_callbacks};
use crate::view::{SLIDER_STEPS, format_time, speed_label, speed_to_slider};

/// The page in embed mode, with `controls` (rendered by the app: it holds no state of its own,
/// and a component would cost the page Yew's machinery for one more type).
pub fn embed_layout(ui: &Ui, controls: &[String]) -> Html {
    let has = |name: &str| controls.iter().any(|control| control == name);
    let (playing, speed, now, violations, notice) = {
        let engine = ui.engine.borrow();
        (
            engine.playing,
            engine.speed,
            engine.now_us(),
            engine.simulation().violations().len(),
            engine.notice.clone(),
        )
    };
    let PlayCallbacks {
        toggle,
        step,
        on_speed,
    } = play_callbacks(ui);
    let full_link = super::api::page_link(&ui.engine.borrow(), false);
    html! {
        <div class="embed-layout">
            <header class="embed-bar">
                <h1 class="visually-hidden">{ "Raft Playground" }</h1>
                if has("play") {
                    <button class="primary" onclick={toggle} aria-label={ if playing { "Pause" } else { "Play" } }>
                        { if playing { "❚❚" } else { "▶" } }
                    </button>
                }
                if has("step") {
                    <button onclick={step} aria-label="Step one event">{ "Step" }</button>
                }
                if has("speed") {
                    <label class="speed">
                        <input type="range" min="0" max={SLIDER_STEPS.to_string()} value={speed_to_slider(speed).round().to_string()}
                            oninput={on_speed} aria-label="Speed" />
                        <span class="speed-value">{ speed_label(speed) }</span>
                    </label>
                }
                <span class="clock">{ format_time(now) }</span>
                if violations == 0 {
                    <span class="verdict verdict-safe" role="status">{ "✓ safe" }</span>
                } else {
                    <span class="verdict verdict-broken" role="alert">{ "✗ violation" }</span>
                }
                <a class="embed-open" href={full_link} target="_blank" rel="noopener" aria-label="Open in Raft Playground">
                    <span class="embed-open-word">{ "Open" }</span><span class="embed-open-long">{ " in Raft Playground" }</span>{ " ↗" }
                </a>
                // A bad link or a refused action says why here too: a course page's reader
                // must not be left guessing.
                { notice_bar(ui, notice.as_deref()) }
            </header>
            <main class="stage"><ClusterCanvas /><super::lesson::LessonCard />{ super::bugs_on::bugs_on(ui) }</main>
            if has("timeline") { <Timeline /> }
            if has("logs") { <LogPanel /> }
        </div>
    }
}
