//! The toolbar: play, pause, single step, speed (on a log scale), the moment, and the safety
//! verdict, always visible.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::context::use_ui;
use crate::view::{SLIDER_STEPS, format_time, slider_to_speed, speed_label, speed_to_slider};

#[function_component(Toolbar)]
pub fn toolbar() -> Html {
    let ui = use_ui();
    let engine = ui.engine.borrow();
    let playing = engine.playing;
    let speed = engine.speed;
    let now = engine.now_us();
    let violations = engine.simulation().violations().len();
    let bugs: Vec<&'static str> = engine
        .scenario()
        .config
        .bugs
        .iter()
        .map(|bug| bug.name())
        .collect();
    drop(engine);

    let toggle = {
        let ui = ui.clone();
        Callback::from(move |_| ui.set_playing.emit(!playing))
    };
    let step = {
        let ui = ui.clone();
        Callback::from(move |_| ui.step())
    };
    let on_speed = {
        let ui = ui.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let position = input.value().parse::<f64>().unwrap_or(0.0);
            ui.engine.borrow_mut().speed = slider_to_speed(position);
            ui.refresh.emit(());
        })
    };
    let verdict = if violations == 0 {
        html! { <span class="verdict verdict-safe" role="status">{ "✓ safe: every check holds" }</span> }
    } else {
        html! { <span class="verdict verdict-broken" role="alert">{ format!("✗ {violations} violation{} — run stopped", if violations == 1 { "" } else { "s" }) }</span> }
    };
    html! {
        <header class="toolbar">
            <h1 class="title">{ "Raft Playground" }</h1>
            <button class="primary" onclick={toggle} aria-label={ if playing { "Pause (space)" } else { "Play (space)" } }
                title="space">{ if playing { "❚❚ Pause" } else { "▶ Play" } }</button>
            <button onclick={step} aria-label="Step one event (n)" title="n">{ "Step" }</button>
            <label class="speed">
                <span>{ "Speed" }</span>
                <input type="range" min="0" max={SLIDER_STEPS.to_string()} step="1"
                    value={speed_to_slider(speed).round().to_string()} oninput={on_speed}
                    aria-label="Speed, virtual time per real time, from 1/1000 to 10" />
                <span class="speed-value" aria-live="off">{ speed_label(speed) }</span>
            </label>
            <span class="clock" aria-label="virtual time">{ format_time(now) }</span>
            { verdict }
            if !bugs.is_empty() {
                <span class="bugs-on" role="status" title="Safety rules switched off on purpose">{ format!("bugs on: {}", bugs.join(", ")) }</span>
            }
            <span class="build-version" title="build version">{ crate::BUILD_VERSION }</span>
        </header>
    }
}
