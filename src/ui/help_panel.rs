//! Keyboard shortcuts.

use yew::prelude::*;

#[function_component(HelpPanel)]
pub fn help_panel() -> Html {
    html! { <div class="panel"><p class="hint">{ "Keyboard shortcuts." }</p></div> }
}
