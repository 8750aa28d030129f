//! Put, get, delete and compare-and-set against any node.

use yew::prelude::*;

#[function_component(ClientsPanel)]
pub fn clients_panel() -> Html {
    html! { <div class="panel"><p class="hint">{ "Put, get, delete and compare-and-set against any node." }</p></div> }
}
