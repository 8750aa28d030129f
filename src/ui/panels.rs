//! The side panels, one tab at a time: inspect, clients, network, config, metrics, share, help.

use yew::prelude::*;

use super::clients_panel::ClientsPanel;
use super::config_panel::ConfigPanel;
use super::context::use_ui;
use super::engine::Selection;
use super::help_panel::HelpPanel;
use super::inspector::Inspector;
use super::lesson::LearnPanel;
use super::metrics_panel::MetricsPanel;
use super::network_panel::NetworkPanel;
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
        html! {
            <button role="tab" aria-selected={selected.to_string()} class={classes!("tab", selected.then_some("tab-selected"))}
                id={format!("tab-{}", each.label().to_ascii_lowercase())} {onclick}>{ each.label() }</button>
        }
    });
    let content = match *tab {
        Tab::Learn => html! { <LearnPanel /> },
        Tab::Inspect => html! { <Inspector /> },
        Tab::Clients => html! { <ClientsPanel /> },
        Tab::Network => html! { <NetworkPanel /> },
        Tab::Config => html! { <ConfigPanel /> },
        Tab::Metrics => html! { <MetricsPanel /> },
        Tab::Share => html! { <SharePanel /> },
        Tab::Help => html! { <HelpPanel /> },
    };
    html! {
        <aside class="side" aria-label="panels">
            <div class="tabs" role="tablist">{ for tabs }</div>
            <div class="tab-content" role="tabpanel">{ content }</div>
        </aside>
    }
}
