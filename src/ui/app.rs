//! The top-level component: owns the engine and the painter, runs the animation loop, handles
//! keyboard shortcuts, and lays out the page.
//!
//! The loop runs only while playing, or replaying a loaded run to its moment, and visible:
//! each frame advances the run by the wall time since the last frame times the speed (or
//! replays a slice of a loaded run), paints the canvases, and a few times a second re-renders
//! the panels. Paused or hidden, no frame is scheduled at all.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::EventListener;
use gloo::render::{AnimationFrame, request_animation_frame};
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;
use yew::prelude::*;

use super::canvas::ClusterCanvas;
use super::context::Ui;
use super::engine::{Engine, EngineHandle, Selection, ViewMode};
use super::log_panel::LogPanel;
use super::painter::Painter;
use super::palette::Theme;
use super::panels::SidePanels;
use super::timeline::Timeline;
use super::toolbar::Toolbar;
use crate::scenario::{Action, Scenario, Workload};

/// How often the panels re-render while playing, in wall-clock milliseconds.
const PANEL_REFRESH_MS: f64 = 150.0;
/// How much of a frame replaying a loaded run to its moment may take, in wall-clock
/// milliseconds: enough to get on, little enough that the page still answers.
const CATCH_UP_SLICE_MS: f64 = 50.0;

/// The run a fresh page starts with: five nodes, a light workload, a random seed (recorded in
/// the scenario, so the run can still be shared and replayed).
pub fn initial_scenario() -> Scenario {
    let seed = (js_sys::Math::random() * 1_000_000.0) as u64;
    Scenario {
        seed,
        workload: Workload {
            writes_per_sec: 4,
            reads_per_sec: 2,
            ..Workload::default()
        },
        ..Scenario::default()
    }
}

/// State of the animation loop, shared with the frame callbacks.
#[derive(Default)]
struct FrameLoop {
    frame: Option<AnimationFrame>,
    last_timestamp: Option<f64>,
    last_panel_refresh: f64,
}

fn media_matches(query: &str) -> bool {
    web_sys::window()
        .and_then(|window| window.match_media(query).ok().flatten())
        .is_some_and(|list| list.matches())
}

fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|window| window.document())
        .is_some_and(|document| document.hidden())
}

#[function_component(App)]
pub fn app() -> Html {
    // What the address asks for: a shared run (paused at its moment), or a fresh one.
    let start = use_memo((), |_| {
        let mut bad_address = false;
        let (engine, autoplay) = match super::url::read() {
            super::url::Start::Link(scenario) => (Engine::at_moment(&scenario), false),
            super::url::Start::BadLink(message) => {
                let mut engine = Engine::new(&initial_scenario());
                engine.notice = Some(message);
                bad_address = true;
                (engine, false)
            }
            super::url::Start::Lesson(link) => {
                let mut engine = Engine::new(&initial_scenario());
                if let Err(message) = engine.open_lesson(&link) {
                    engine.notice = Some(message);
                    bad_address = true;
                }
                (engine, false)
            }
            super::url::Start::Fresh => (Engine::new(&initial_scenario()), true),
        };
        (EngineHandle::new(engine), autoplay, bad_address)
    });
    let (engine, autoplay, bad_address) = (start.0.clone(), start.1, start.2);
    let painter = use_memo((), |_| {
        let theme = super::palette::saved_theme().unwrap_or(
            if media_matches("(prefers-color-scheme: dark)") {
                Theme::Dark
            } else {
                Theme::Light
            },
        );
        Rc::new(RefCell::new(Painter::new(
            theme,
            media_matches("(prefers-reduced-motion: reduce)"),
        )))
    });
    let painter = (*painter).clone();
    let version = use_state(|| 0u64);
    let frame_loop = use_mut_ref(FrameLoop::default);

    let refresh = {
        let version = version.clone();
        Callback::from(move |()| version.set(*version + 1))
    };
    // `refresh` changes with every version; the loop needs one that always bumps the latest.
    let version_setter = version.setter();
    let version_value = use_mut_ref(|| 0u64);
    *version_value.borrow_mut() = *version;
    let bump: Rc<dyn Fn()> = {
        let version_value = version_value.clone();
        Rc::new(move || {
            let next = *version_value.borrow() + 1;
            *version_value.borrow_mut() = next;
            version_setter.set(next);
        })
    };

    let start_loop: Rc<dyn Fn()> = {
        let engine = engine.clone();
        let painter = painter.clone();
        let frame_loop = frame_loop.clone();
        let bump = bump.clone();
        Rc::new(move || {
            schedule_frame(
                engine.clone(),
                painter.clone(),
                frame_loop.clone(),
                bump.clone(),
            )
        })
    };
    let set_playing = {
        let engine = engine.clone();
        let start_loop = start_loop.clone();
        let bump = bump.clone();
        Callback::from(move |playing: bool| {
            engine.borrow_mut().set_playing(playing);
            if engine.borrow().playing {
                start_loop();
            }
            bump();
        })
    };

    let ui = Ui {
        engine: engine.clone(),
        painter: painter.clone(),
        version: *version,
        refresh,
        set_playing: set_playing.clone(),
    };

    // The script API for embedding pages and tests.
    {
        let hooks = api_hooks(&engine, &set_playing, &bump);
        use_effect_with((), move |_| super::api::install(hooks));
    }
    // Autoplay on load (unless motion is reduced), resume when the tab becomes visible again.
    {
        let set_playing = set_playing.clone();
        let engine = engine.clone();
        let start_loop = start_loop.clone();
        let reduced = painter.borrow().reduced_motion;
        use_effect_with((), move |_| {
            if autoplay && !reduced {
                set_playing.emit(true);
            }
            let document = web_sys::window()
                .and_then(|window| window.document())
                .expect("a document");
            let listener = EventListener::new(&document, "visibilitychange", move |_| {
                if !page_hidden() && engine.borrow().runs_on() {
                    start_loop();
                }
            });
            move || drop(listener)
        });
    }

    // Keyboard shortcuts (listed in the Help panel).
    {
        let ui = ui.clone();
        use_effect_with(ui.version, move |_| {
            let document = web_sys::window()
                .and_then(|window| window.document())
                .expect("a document");
            // Not passive: shortcuts call `prevent_default` (so Space does not scroll the page).
            let options = gloo::events::EventListenerOptions::enable_prevent_default();
            let listener =
                EventListener::new_with_options(&document, "keydown", options, move |event| {
                    let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    if key_belongs_to_control(event)
                        || event.ctrl_key()
                        || event.meta_key()
                        || event.alt_key()
                    {
                        return;
                    }
                    // Help shows letters as capitals: Shift or Caps Lock must not turn one off.
                    let key = event.key();
                    let key = if key.len() == 1 {
                        key.to_ascii_lowercase()
                    } else {
                        key
                    };
                    if handle_shortcut(&ui, &key) {
                        event.prevent_default();
                    }
                });
            move || drop(listener)
        });
    }
    // The address's fragment as the page last wrote or took it in. Another one in the bar is
    // a navigation (a pasted link, a host page's) whose hashchange is still on its way: the
    // page must not write over it meanwhile, or it is lost.
    let known_fragment = use_mut_ref(super::url::raw_fragment);
    // Repaint whenever the app re-renders (actions, selection, seeking, resizes), tell script
    // listeners what changed, and keep the run in the address when it changes (at most once a
    // second while playing: browsers throttle history updates). A bad address stays in the
    // bar, for the person to see and fix, until the run moves on.
    {
        let known_fragment = known_fragment.clone();
        let engine = engine.clone();
        let painter = painter.clone();
        let last_url_write = use_mut_ref(|| f64::NEG_INFINITY);
        let last_address = use_mut_ref(|| None::<String>);
        let hooks = api_hooks(&engine, &set_playing, &bump);
        let start_loop = start_loop.clone();
        use_effect(move || {
            painter.borrow_mut().paint(&engine.borrow());
            super::api::notify(&engine);
            // A run just loaded replays to its moment in the loop.
            if engine.borrow().catching_up().is_some() {
                start_loop();
            }
            // Encoding the link compresses the whole scenario: while playing, once a second.
            let playing = engine.borrow().playing;
            let now = now_ms();
            if playing && now - *last_url_write.borrow() < 1_000.0 {
                return;
            }
            if super::url::raw_fragment() != *known_fragment.borrow() {
                return; // A navigation not taken in yet.
            }
            *last_url_write.borrow_mut() = now;
            let address = address_of(&hooks);
            let mut last_address = last_address.borrow_mut();
            let first_of_a_bad_address = last_address.is_none() && bad_address;
            if !first_of_a_bad_address && last_address.as_deref() != Some(address.as_str()) {
                let forked = std::mem::take(&mut engine.borrow_mut().forked);
                super::url::write(&address, forked && last_address.is_some());
                *known_fragment.borrow_mut() = super::url::raw_fragment();
                warn_once_too_long(&hooks, &address, last_address.as_deref());
            }
            *last_address = Some(address);
        });
    }
    // A link pasted into the address bar of an open page loads; a bad one changes nothing.
    {
        let hooks = api_hooks(&engine, &set_playing, &bump);
        let known_fragment = known_fragment.clone();
        use_effect_with((), move |_| {
            let window = web_sys::window().expect("a window");
            let listener = EventListener::new(&window, "hashchange", move |_| {
                *known_fragment.borrow_mut() = super::url::raw_fragment();
                let link = super::url::fragment();
                if link == super::url_fragment_of(&address_of(&hooks)) {
                    return; // Our own update.
                }
                // A run or a lesson; a bad one becomes the notice.
                super::api::load_text(&hooks, &link);
            });
            move || drop(listener)
        });
    }
    {
        let bump = bump.clone();
        use_effect_with((), move |_| {
            let window = web_sys::window().expect("a window");
            let listener = EventListener::new(&window, "resize", move |_| bump());
            move || drop(listener)
        });
    }

    let theme = if painter.borrow().theme == Theme::Dark {
        "dark"
    } else {
        "light"
    };
    let embed = use_memo((), |_| {
        let controls = super::url::embed_controls();
        engine.borrow_mut().embedded = controls.is_some();
        // Unknown controls are told too, after what was wrong with the run.
        if let Some(message) = controls
            .as_deref()
            .and_then(super::url::unknown_embed_controls)
        {
            let mut engine = engine.borrow_mut();
            engine.notice = Some(match engine.notice.take() {
                Some(first) => first + " " + &message,
                None => message,
            });
        }
        controls
    });
    let layout = match &*embed {
        Some(controls) => super::embed::embed_layout(&ui, controls),
        None => html! {
            <>
                <Toolbar />
                <div class="workspace">
                    <main class="stage">
                        <ClusterCanvas />
                        <super::lesson::LessonCard />
                        <super::violation::ViolationCard />
                        { super::bugs_on::bugs_on(&ui) }
                    </main>
                    <SidePanels />
                </div>
                <section class="bottom">
                    <Timeline />
                    <LogPanel />
                </section>
            </>
        },
    };
    html! {
        <ContextProvider<Ui> context={ui}>
            <div class={classes!("app", embed.is_some().then_some("embedded"))} data-theme={theme}>
                { layout }
            </div>
        </ContextProvider<Ui>>
    }
}

/// Requests the next animation frame unless one is pending; the frame advances, paints, and
/// requests another only while playing and visible.
fn schedule_frame(
    engine: EngineHandle,
    painter: Rc<RefCell<Painter>>,
    frame_loop: Rc<RefCell<FrameLoop>>,
    bump: Rc<dyn Fn()>,
) {
    if frame_loop.borrow().frame.is_some() {
        return;
    }
    let handle = {
        let frame_loop = frame_loop.clone();
        request_animation_frame(move |timestamp| {
            frame_loop.borrow_mut().frame = None;
            let elapsed = {
                let mut state = frame_loop.borrow_mut();
                let elapsed = state
                    .last_timestamp
                    .map_or(0.0, |last| (timestamp - last).min(250.0));
                state.last_timestamp = Some(timestamp);
                elapsed
            };
            let started = now_ms();
            let catching_up = engine.borrow().catching_up().is_some();
            if catching_up {
                // The slice goes to replaying; the panels' refresh below repaints the canvases.
                engine
                    .borrow_mut()
                    .catch_up(|| now_ms() - started < CATCH_UP_SLICE_MS);
            } else {
                engine.borrow_mut().advance_wall(elapsed);
                painter.borrow_mut().paint(&engine.borrow());
                let frame_ms = now_ms() - started;
                engine.borrow_mut().record_frame(frame_ms);
            }
            super::api::notify(&engine);
            let refresh_due =
                timestamp - frame_loop.borrow().last_panel_refresh >= PANEL_REFRESH_MS;
            let runs_on = engine.borrow().runs_on();
            if refresh_due || !runs_on || catching_up != engine.borrow().catching_up().is_some() {
                frame_loop.borrow_mut().last_panel_refresh = timestamp;
                bump();
            }
            if runs_on && !page_hidden() {
                schedule_frame(engine, painter, frame_loop.clone(), bump);
            } else {
                frame_loop.borrow_mut().last_timestamp = None;
            }
        })
    };
    frame_loop.borrow_mut().frame = Some(handle);
}

/// Says so when the run outgrows what a link holds: reloading the address, or opening its
/// link, would not bring the run back, so it should be exported.
fn warn_once_too_long(hooks: &super::api::Hooks, address: &str, last_address: Option<&str>) {
    let Some(warning) = super::share_panel::too_long_warning(address) else {
        return;
    };
    if last_address.is_some_and(|last| Scenario::link_too_long(last).is_some()) {
        return;
    }
    hooks.engine.borrow_mut().notice = Some(warning);
    (hooks.refresh)();
}

/// What the address bar should say: the lesson at its step while it is being followed, else
/// the run's link.
fn address_of(hooks: &super::api::Hooks) -> String {
    super::api::page_link(&hooks.engine.borrow(), true)
}

fn api_hooks(
    engine: &EngineHandle,
    set_playing: &Callback<bool>,
    bump: &Rc<dyn Fn()>,
) -> super::api::Hooks {
    let set_playing = set_playing.clone();
    super::api::Hooks {
        engine: engine.clone(),
        set_playing: Rc::new(move |playing| set_playing.emit(playing)),
        refresh: bump.clone(),
    }
}

pub(super) fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}

/// Whether the key belongs to the focused control rather than to the page: typing in a field,
/// moving a slider, ticking a box, moving along the tabs, or Space and Enter pressing a
/// focused button, link, summary or tab. Any other key on a slider or a box is a shortcut:
/// after dragging the timeline, Space still plays.
fn key_belongs_to_control(event: &KeyboardEvent) -> bool {
    let Some(element) = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    let key = event.key();
    let activates = matches!(key.as_str(), " " | "Enter");
    if element.get_attribute("role").as_deref() == Some("tab") {
        // The tab row's own keys: arrows, Home and End move along it (`panels.rs`).
        return activates || matches!(key.as_str(), "ArrowLeft" | "ArrowRight" | "Home" | "End");
    }
    match element.tag_name().as_str() {
        "INPUT" => match element.get_attribute("type").as_deref() {
            Some("range") => matches!(
                key.as_str(),
                "ArrowLeft"
                    | "ArrowRight"
                    | "ArrowUp"
                    | "ArrowDown"
                    | "Home"
                    | "End"
                    | "PageUp"
                    | "PageDown"
            ),
            Some("checkbox") => key == " ",
            Some("submit") => activates,
            _ => true,
        },
        "TEXTAREA" | "SELECT" => true,
        "BUTTON" | "SUMMARY" | "A" => activates,
        _ => false,
    }
}

/// The keyboard shortcuts. Returns whether the key was one.
pub fn handle_shortcut(ui: &Ui, key: &str) -> bool {
    let selected_node = match ui.engine.borrow().selection {
        Selection::Node(id) => Some(id),
        _ => None,
    };
    match key {
        " " | "k" => ui.toggle_playing(),
        "n" | "ArrowRight" => ui.step(),
        "ArrowLeft" | "," => {
            ui.set_playing.emit(false);
            let now = ui.engine.borrow().moment_us();
            ui.seek(now.saturating_sub(100_000));
        }
        "+" | "=" => change_speed(ui, 2.0),
        "-" | "_" => change_speed(ui, 0.5),
        "v" => {
            let mut engine = ui.engine.borrow_mut();
            engine.view_mode = if engine.view_mode == ViewMode::Ring {
                ViewMode::SpaceTime
            } else {
                ViewMode::Ring
            };
            drop(engine);
            ui.refresh.emit(());
        }
        "Escape" => ui.select(Selection::Nothing),
        "?" => {
            ui.engine.borrow_mut().help_requests += 1;
            ui.refresh.emit(());
        }
        "h" => ui.act(Action::Heal),
        "a" => ui.act(Action::AddNode),
        digit if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() && digit != "0" => {
            let id = u64::from(digit.as_bytes()[0] - b'0');
            if ui.engine.borrow().simulation().server(id).is_some() {
                ui.select(Selection::Node(id));
            }
        }
        "c" | "r" | "p" | "t" | "s" if selected_node.is_some() => {
            let node = selected_node.expect("checked by the guard");
            let action = match key {
                "c" => Action::Crash { node },
                "r" => Action::Restart { node },
                "p" => toggle_pause(ui, node),
                "t" => Action::Timeout { node },
                _ => Action::Snapshot { node },
            };
            ui.act(action);
        }
        _ => return false,
    }
    true
}

fn toggle_pause(ui: &Ui, node: u64) -> Action {
    let paused = ui
        .engine
        .borrow()
        .simulation()
        .server(node)
        .is_some_and(|server| server.status == crate::sim::server::Status::Paused);
    if paused {
        Action::Resume { node }
    } else {
        Action::Pause { node }
    }
}

fn change_speed(ui: &Ui, factor: f64) {
    let mut engine = ui.engine.borrow_mut();
    engine.speed = (engine.speed * factor).clamp(crate::view::SPEED_MIN, crate::view::SPEED_MAX);
    drop(engine);
    ui.refresh.emit(());
}
