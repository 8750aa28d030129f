//! Elections, time without a leader, commit latency.

use yew::prelude::*;

#[function_component(MetricsPanel)]
pub fn metrics_panel() -> Html {
    html! { <div class="panel"><p class="hint">{ "Elections, time without a leader, commit latency." }</p></div> }
}
