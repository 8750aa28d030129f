//! The timeline: scrub back and forth through the run. Acting in the past forks it.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::context::use_ui;
use crate::view::format_time;

#[function_component(Timeline)]
pub fn timeline() -> Html {
    let ui = use_ui();
    let (now, horizon) = {
        let engine = ui.engine.borrow();
        (engine.now_us(), engine.horizon_us.max(engine.now_us()))
    };
    let on_input = {
        let ui = ui.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            if let Ok(ms) = input.value().parse::<u64>() {
                ui.set_playing.emit(false);
                ui.seek(ms * 1_000);
            }
        })
    };
    html! {
        <div class="timeline">
            <label for="timeline-scrubber">{ "Time" }</label>
            <input id="timeline-scrubber" type="range" min="0" max={(horizon / 1_000).to_string()}
                value={(now / 1_000).to_string()} oninput={on_input}
                aria-label="Timeline: scrub through the run (acting in the past forks it)" />
            <span>{ format!("{} / {}", format_time(now), format_time(horizon)) }</span>
        </div>
    }
}
