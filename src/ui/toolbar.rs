//! The toolbar: play, pause, single step, speed (on a log scale), the moment and the safety
//! verdict, always visible; the view switch, theme, "Add node" and "Heal", which fold into a
//! menu on a phone in portrait; and the notice bar (floating over the bottom of the screen),
//! where a refused action or a bad form value says what was wrong.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::context::{Ui, use_ui};
use super::engine::ViewMode;
use super::palette::Theme;
use crate::scenario::Action;
use crate::view::{SLIDER_STEPS, format_time, slider_to_speed, speed_label, speed_to_slider};

/// What the toolbar shows, read from the engine once per render.
struct Facts {
    playing: bool,
    speed: f64,
    now_us: u64,
    violations: usize,
    /// The person's last linearizability check failed, and still applies.
    not_linearizable: bool,
    view_mode: ViewMode,
    notice: Option<String>,
    /// Why "Add node" and "Heal" can do nothing now (`affordance::refusal`), if they cannot.
    add_node_refusal: Option<String>,
    heal_refusal: Option<String>,
}

impl Facts {
    fn read(ui: &Ui) -> Facts {
        let engine = ui.engine.borrow();
        Facts {
            playing: engine.playing,
            add_node_refusal: super::affordance::refusal(&engine, &Action::AddNode),
            heal_refusal: super::affordance::refusal(&engine, &Action::Heal),
            speed: engine.speed,
            now_us: engine.now_us(),
            violations: engine.simulation().violations().len(),
            not_linearizable: engine.found_not_linearizable(),
            view_mode: engine.view_mode,
            notice: engine.notice.clone(),
        }
    }
}

#[function_component(Toolbar)]
pub fn toolbar() -> Html {
    let ui = use_ui();
    let menu_open = use_state(|| false);
    let facts = Facts::read(&ui);
    let toggle_menu = {
        let menu_open = menu_open.clone();
        Callback::from(move |_| menu_open.set(!*menu_open))
    };
    // Escape inside the open menu closes it and leaves the keyboard on its toggle, as a
    // disclosure menu does; elsewhere Escape keeps its shortcut (clear the selection).
    let close_menu = {
        let menu_open = menu_open.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" && *menu_open {
                menu_open.set(false);
                super::focus_by_id("toolbar-more");
            }
        })
    };
    html! {
        <header class="toolbar">
            <h1 class="title">{ "Raft Playground" }</h1>
            { play_controls(&ui, &facts) }
            <span class="clock" role="timer" aria-label="virtual time">{ format_time(facts.now_us) }</span>
            { verdict(facts.violations, facts.not_linearizable) }
            <button id="toolbar-more" class="toolbar-more-toggle" aria-expanded={menu_open.to_string()}
                aria-controls="toolbar-secondary" onclick={toggle_menu} onkeydown={close_menu.clone()}>
                { if *menu_open { "✕ Less" } else { "☰ More" } }
            </button>
            <div id="toolbar-secondary" class={classes!("toolbar-secondary", menu_open.then_some("open"))}
                onkeydown={close_menu}>
                { secondary_controls(&ui, &facts) }
            </div>
            <span class="build-version" title="build version">{ crate::BUILD_VERSION }</span>
            { notice_bar(&ui, facts.notice.as_deref()) }
        </header>
    }
}

/// What the play, step and speed controls do, here and in embed mode.
pub(super) struct PlayCallbacks {
    pub toggle: Callback<MouseEvent>,
    pub step: Callback<MouseEvent>,
    pub on_speed: Callback<InputEvent>,
}

pub(super) fn play_callbacks(ui: &Ui) -> PlayCallbacks {
    let toggle = {
        let ui = ui.clone();
        Callback::from(move |_| ui.toggle_playing())
    };
    let step = {
        let ui = ui.clone();
        Callback::from(move |_| ui.step())
    };
    let on_speed = {
        let ui = ui.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            // The browser reads the number: parsing it here would bring a float parser and its
            // 20 KB table of powers of five into the page.
            let position = input.value_as_number();
            let position = if position.is_finite() { position } else { 0.0 };
            ui.engine.borrow_mut().speed = slider_to_speed(position);
            ui.refresh.emit(());
        })
    };
    PlayCallbacks {
        toggle,
        step,
        on_speed,
    }
}

fn play_controls(ui: &Ui, facts: &Facts) -> Html {
    let playing = facts.playing;
    let PlayCallbacks {
        toggle,
        step,
        on_speed,
    } = play_callbacks(ui);
    html! {
        <>
            <button class="primary" onclick={toggle} aria-label={ if playing { "Pause (space)" } else { "Play (space)" } }
                title="Shortcut: space">{ if playing { "❚❚ Pause" } else { "▶ Play" } }</button>
            <button onclick={step} aria-label="Step one event (n)" title="Shortcut: n">{ "Step" }</button>
            <label class="speed">
                <span>{ "Speed" }</span>
                <input type="range" min="0" max={SLIDER_STEPS.to_string()} step="1"
                    value={speed_to_slider(facts.speed).round().to_string()} oninput={on_speed}
                    aria-valuetext={speed_label(facts.speed)}
                    aria-label="Speed, virtual time per real time, from 1/1000 to 10 (+ and -)" />
                <span class="speed-value" aria-live="off">{ speed_label(facts.speed) }</span>
            </label>
        </>
    }
}

/// The safety checker's verdict, which runs all the time; linearizability is checked on
/// request (Clients tab), and a failed check shows here too while it applies.
fn verdict(violations: usize, not_linearizable: bool) -> Html {
    if violations > 0 {
        let plural = if violations == 1 { "" } else { "s" };
        html! { <span class="verdict verdict-broken" role="alert">{ format!("✗ {violations} violation{plural} — run stopped") }</span> }
    } else if not_linearizable {
        html! { <span class="verdict verdict-broken" role="alert" title="The linearizability check in the Clients tab failed">{ "✗ not linearizable (Clients)" }</span> }
    } else {
        html! { <span class="verdict verdict-safe" role="status">{ "✓ safe: no violation found" }</span> }
    }
}

/// The view switch, the theme, and the two cluster-wide actions.
fn secondary_controls(ui: &Ui, facts: &Facts) -> Html {
    let view_button = |mode: ViewMode, label: &str, name: &str| {
        let ui = ui.clone();
        let onclick = Callback::from(move |_| {
            ui.engine.borrow_mut().view_mode = mode;
            ui.refresh.emit(());
        });
        let pressed = facts.view_mode == mode;
        html! {
            <button class={classes!("segment", pressed.then_some("segment-on"))}
                aria-pressed={pressed.to_string()} aria-label={name.to_string()} title="Shortcut: v" {onclick}>{ label.to_string() }</button>
        }
    };
    let dark = ui.painter.borrow().theme == Theme::Dark;
    let toggle_theme = {
        let ui = ui.clone();
        Callback::from(move |_| {
            let theme = if dark { Theme::Light } else { Theme::Dark };
            ui.painter.borrow_mut().theme = theme;
            super::palette::save_theme(theme);
            ui.refresh.emit(());
        })
    };
    let act = |action: Action| {
        let ui = ui.clone();
        Callback::from(move |_| ui.act(action.clone()))
    };
    html! {
        <>
            <div class="segmented" role="group" aria-label="View (v)">
                { view_button(ViewMode::Ring, "Ring", "Ring view (v)") }
                { view_button(ViewMode::SpaceTime, "Space-time", "Space-time view (v)") }
            </div>
            <button class={classes!("theme-toggle", dark.then_some("segment-on"))} aria-pressed={dark.to_string()}
                aria-label="Dark theme" onclick={toggle_theme}>{ "☾ Dark" }</button>
            <button onclick={act(Action::AddNode)} aria-label="Add node (a)" disabled={facts.add_node_refusal.is_some()}
                title={ facts.add_node_refusal.clone().unwrap_or_else(|| "Shortcut: a".to_string()) }>{ "+ Add node" }</button>
            <button onclick={act(Action::Heal)} aria-label="Heal the network: remove every partition, cut and slow link (h)" disabled={facts.heal_refusal.is_some()}
                title={ facts.heal_refusal.clone().unwrap_or_else(|| "Shortcut: h".to_string()) }>{ "Heal" }</button>
        </>
    }
}

/// Options of the canvas's current view, over its bottom right corner (beside the space-time
/// legend) rather than in the toolbar, which they would push onto a second row. Drawn by the
/// canvas component (a component of its own costs the page more code than it holds).
pub(super) fn view_options(ui: &Ui) -> Html {
    let (mode, hidden) = {
        let engine = ui.engine.borrow();
        (engine.view_mode, engine.hide_heartbeats)
    };
    if mode != ViewMode::SpaceTime {
        return Html::default();
    }
    html! { <div class="view-options">{ heartbeat_toggle(ui, hidden) }</div> }
}

/// In the space-time view: show or hide heartbeats, which crowd the diagram under load.
fn heartbeat_toggle(ui: &Ui, hidden: bool) -> Html {
    let onclick = {
        let ui = ui.clone();
        Callback::from(move |_| {
            ui.engine.borrow_mut().hide_heartbeats = !hidden;
            ui.refresh.emit(());
        })
    };
    html! {
        <button class={classes!((!hidden).then_some("segment-on"))} aria-pressed={(!hidden).to_string()}
            aria-label="Heartbeats in the space-time view" title="Show or hide heartbeats" {onclick}>{ "Heartbeats" }</button>
    }
}

/// The last refused action or bad form value, until dismissed or replaced.
pub(super) fn notice_bar(ui: &Ui, notice: Option<&str>) -> Html {
    let Some(notice) = notice else {
        return html! {};
    };
    let dismiss = {
        let ui = ui.clone();
        Callback::from(move |_| {
            ui.engine.borrow_mut().notice = None;
            ui.refresh.emit(());
        })
    };
    html! {
        <div class="notice" role="alert">
            <span class="notice-icon" aria-hidden="true">{ "⚠" }</span>
            <span class="notice-text">{ notice.to_string() }</span>
            <button class="notice-dismiss" aria-label="Dismiss the message" onclick={dismiss}>{ "✕" }</button>
        </div>
    }
}
