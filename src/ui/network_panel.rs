//! Loss, duplication, latency; heal.

use yew::prelude::*;

#[function_component(NetworkPanel)]
pub fn network_panel() -> Html {
    html! { <div class="panel"><p class="hint">{ "Loss, duplication, latency; heal." }</p></div> }
}
