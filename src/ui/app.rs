//! The top-level component: the page's frame.

use yew::prelude::*;

use super::canvas::ClusterCanvas;

#[function_component(App)]
pub fn app() -> Html {
    html! {
        <div class="app">
            <header class="toolbar">
                <h1 class="title">{ "Raft Playground" }</h1>
                <span class="build-version" title="build version">{ crate::BUILD_VERSION }</span>
            </header>
            <main class="stage">
                <ClusterCanvas />
            </main>
        </div>
    }
}
