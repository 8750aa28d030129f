//! The side panels, one tab at a time: inspect, clients, network, config, metrics, share, help.

use yew::prelude::*;

use super::clients_panel::clients_panel;
use super::config_panel::config_panel;
use super::context::use_ui;
use super::engine::Selection;
use super::help_panel::help_panel;
use super::inspector::Inspector;
use super::lesson::learn_panel;
use super::metrics_panel::metrics_panel;
use super::network_panel::network_panel;
use super::share_panel::SharePanel;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Learn,
    Inspect,
    Clients,
    Network,
    Config,
    Metrics,
    Share,
    Help,
}

impl Tab {
    pub const ALL: [Tab; 8] = [
        Tab::Learn,
        Tab::Inspect,
        Tab::Clients,
        Tab::Network,
        Tab::Config,
        Tab::Metrics,
        Tab::Share,
        Tab::Help,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Learn => "Learn",
            Tab::Inspect => "Inspect",
            Tab::Clients => "Clients",
            Tab::Network => "Network",
            Tab::Config => "Config",
            Tab::Metrics => "Metrics",
            Tab::Share => "Share",
            Tab::Help => "Help",
        }
    }
}

#[function_component(SidePanels)]
pub fn side_panels() -> Html {
    let tab = use_state(|| Tab::Inspect);
    // Clicking a node or a message (or choosing one by keyboard) shows it, whichever tab was open.
    let ui = use_ui();
    let (selections_made, something, help_requests) = {
        let engine = ui.engine.borrow();
        let something = engine.selection != Selection::Nothing;
        (engine.selections_made, something, engine.help_requests)
    };
    {
        let tab = tab.clone();
        use_effect_with(selections_made, move |_| {
            if something {
                tab.set(Tab::Inspect);
            }
        });
    }
    // `?` shows the help.
    {
        let tab = tab.clone();
        use_effect_with(help_requests, move |&requests| {
            if requests > 0 {
                tab.set(Tab::Help);
            }
        });
    }
    let tabs = Tab::ALL.iter().map(|&each| {
        let selected = *tab == each;
        let onclick = {
            let tab = tab.clone();
            Callback::from(move |_| tab.set(each))
        };
        // One tab stop for the whole row (the open tab); arrows move along it.
        html! {
            <button role="tab" aria-selected={selected.to_string()} class={classes!("tab", selected.then_some("tab-selected"))}
                tabindex={if selected { "0" } else { "-1" }} aria-controls="tab-panel"
                id={tab_id(each)} {onclick}>{ each.label() }</button>
        }
    });
    let onkeydown = {
        let tab = tab.clone();
        Callback::from(move |event: KeyboardEvent| {
            let Some(next) = tab_after_key(*tab, &event.key()) else {
                return;
            };
            event.prevent_default();
            tab.set(next);
            super::focus_by_id(&tab_id(next));
        })
    };
    let content = match *tab {
        Tab::Learn => learn_panel(&ui),
        Tab::Inspect => html! { <Inspector /> },
        Tab::Clients => clients_panel(&ui),
        Tab::Network => network_panel(&ui),
        Tab::Config => config_panel(&ui),
        Tab::Metrics => metrics_panel(&ui),
        Tab::Share => html! { <SharePanel /> },
        Tab::Help => help_panel(),
    };
    html! {
        <aside class="side" aria-label="panels">
            <div class="tabs" role="tablist" {onkeydown}>{ for tabs }</div>
            <div class="tab-content" role="tabpanel" id="tab-panel" aria-labelledby={tab_id(*tab)} tabindex="0">
                // Keyed by the tab, so that another tab's panel is built afresh rather than
                // patched over this one's elements (most panels are functions called here, not
                // components, which Yew would replace anyway).
                <key={tab_id(*tab)}>{ content }</>
            </div>
        </aside>
    }
}

/// On a phone the panels are under the canvas and above the logs: a node or message tapped on
/// the canvas, or a node's row tapped in the logs, would show in a panel out of sight. So when
/// the panels start in the lower half of the window or below it, or above its top, the page
/// scrolls them to its top; the canvas is a scroll back up. Where the panels stand beside the
/// canvas, or their top is in view, nothing moves.
pub(super) fn bring_panels_into_view() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let panels = window
        .document()
        .and_then(|document| document.query_selector("aside.side").ok().flatten());
    let height = window
        .inner_height()
        .ok()
        .and_then(|height| height.as_f64());
    let (Some(panels), Some(height)) = (panels, height) else {
        return;
    };
    let top = panels.get_bounding_client_rect().top();
    if top < 0.0 || top >= height / 2.0 {
        let scrolled = window.scroll_y().unwrap_or(0.0);
        window.scroll_to_with_x_and_y(0.0, scrolled + top);
    }
}

fn tab_id(tab: Tab) -> String {
    format!("tab-{}", tab.label().to_ascii_lowercase())
}

/// The tab an arrow, Home or End key moves to from `from` (WAI-ARIA's tabs pattern: the row
/// wraps around).
fn tab_after_key(from: Tab, key: &str) -> Option<Tab> {
    let count = Tab::ALL.len();
    let at = Tab::ALL.iter().position(|&tab| tab == from)?;
    let to = match key {
        "ArrowRight" => (at + 1) % count,
        "ArrowLeft" => (at + count - 1) % count,
        "Home" => 0,
        "End" => count - 1,
        _ => return None,
    };
    Some(Tab::ALL[to])
}
