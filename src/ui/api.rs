//! The page's script API (a contract in ARCHITECTURE.md), for course authors and tests:
//! `window.raftPlayground` with `load`, `play`, `pause`, `step`, `seek`, `state`, `link` and
//! `on`, and the same calls through `postMessage` from a host page.
//!
//! Every call goes through the same engine the page's controls use, and acts at once: a call
//! that reads or moves the run finishes first a replay the page is doing a slice per frame (a
//! link just opened, a moment far ahead sought), so it sees the run at its moment. Bad input
//! throws an `Error` with a clear message and leaves the current run untouched.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect};
use serde::Serialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::engine::{Engine, EngineHandle};
use crate::check::linearizability::{self, Verdict};
use crate::raft::NodeId;
use crate::scenario::Scenario;

/// Linearizability steps `state()` may spend (it runs in the page).
const STATE_LINEARIZABILITY_BUDGET: u64 = 500_000;

/// What the API needs from the app.
#[derive(Clone)]
pub struct Hooks {
    pub engine: EngineHandle,
    /// Starts or stops playing.
    pub set_playing: Rc<dyn Fn(bool)>,
    /// Re-renders and repaints after a change.
    pub refresh: Rc<dyn Fn()>,
}

/// Event listeners registered with `on`, and what they last saw.
#[derive(Default)]
pub struct Listeners {
    leader: Vec<Function>,
    violation: Vec<Function>,
    last_leader: Option<(NodeId, u64)>,
    /// The run (`Engine::runs_replaced`) whose violations were last told, and how many: a new
    /// run's are told from its first, though it may hold as many.
    violations_seen: (u64, usize),
}

thread_local! {
    static LISTENERS: RefCell<Listeners> = RefCell::new(Listeners::default());
}

#[derive(Serialize)]
struct LeaderEvent {
    leader: Option<NodeId>,
    term: u64,
}

#[derive(Serialize)]
struct ViolationEvent {
    kind: &'static str,
    at_ms: u64,
    detail: String,
}

/// Installs `window.raftPlayground` and the `postMessage` listener.
pub fn install(hooks: Hooks) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let api = Object::new();
    define(&api, "load", {
        let hooks = hooks.clone();
        move |args: Array| load(&hooks, &args.get(0))
    });
    define(&api, "play", {
        let hooks = hooks.clone();
        move |_| {
            (hooks.set_playing)(true);
            Ok(JsValue::UNDEFINED)
        }
    });
    define(&api, "pause", {
        let hooks = hooks.clone();
        move |_| {
            pause_on_a_millisecond(&hooks);
            Ok(JsValue::UNDEFINED)
        }
    });
    define(&api, "step", {
        let hooks = hooks.clone();
        move |_| {
            hooks.engine.borrow_mut().settle();
            hooks.engine.borrow_mut().step();
            (hooks.set_playing)(false);
            Ok(to_js(&hooks.engine.borrow().now_us()))
        }
    });
    define(&api, "seek", {
        let hooks = hooks.clone();
        move |args: Array| seek(&hooks, &args.get(0))
    });
    define(&api, "state", {
        let hooks = hooks.clone();
        move |_| state(&hooks)
    });
    define(&api, "link", {
        let hooks = hooks.clone();
        move |_| {
            // Where the person scrubbed to, even before the frame that seeks there.
            hooks.engine.borrow_mut().apply_scrub();
            Ok(JsValue::from_str(&current_link(&hooks)))
        }
    });
    define(&api, "on", move |args: Array| {
        on(&args.get(0), &args.get(1))
    });
    define(&api, "frameStats", {
        let hooks = hooks.clone();
        move |_| Ok(to_js(&hooks.engine.borrow().frame_stats()))
    });
    let _ = Reflect::set(&window, &JsValue::from_str("raftPlayground"), &api);
    listen_for_messages(&window, api);
    // A host page's messages before this are lost (the frame's `load` event comes earlier,
    // while the wasm is still starting): it may send once it hears this.
    post_to_host("ready", &JsValue::NULL);
}

/// Adds a method to `object` that receives its arguments as an array.
fn define(object: &Object, name: &str, body: impl Fn(Array) -> Result<JsValue, JsValue> + 'static) {
    define_boxed(object, name, Box::new(body));
}

/// `define`'s work, for every method alike: one JS closure type, not one per method (which
/// was wasm of its own for each).
fn define_boxed(object: &Object, name: &str, body: Box<dyn Fn(Array) -> Result<JsValue, JsValue>>) {
    let closure = Closure::<dyn Fn(JsValue, JsValue) -> Result<JsValue, JsValue>>::new(
        move |first: JsValue, second: JsValue| {
            let args = Array::new();
            args.push(&first);
            args.push(&second);
            body(args)
        },
    );
    let _ = Reflect::set(object, &JsValue::from_str(name), closure.as_ref());
    // The API lives as long as the page.
    closure.forget();
}

fn error(message: impl AsRef<str>) -> JsValue {
    js_sys::Error::new(message.as_ref()).into()
}

fn to_js(value: &impl Serialize) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

/// `load(scenario)`: a link, a link fragment, or scenario JSON text. The run replays to the
/// scenario's `until_ms` and pauses there. A lesson link opens the lesson, as in the address.
fn load(hooks: &Hooks, argument: &JsValue) -> Result<JsValue, JsValue> {
    let text = argument
        .as_string()
        .ok_or_else(|| error("load expects a link or scenario JSON as a string"))?;
    try_load(hooks, &text).map_err(error)?;
    hooks.engine.borrow_mut().settle();
    Ok(JsValue::UNDEFINED)
}

fn try_load(hooks: &Hooks, text: &str) -> Result<(), String> {
    if let Some(link) = lesson_named_in(text) {
        (hooks.set_playing)(false);
        hooks.engine.borrow_mut().open_lesson(&link)?;
        (hooks.refresh)();
        return Ok(());
    }
    let scenario = Scenario::parse(text).map_err(|problem| super::url::problem_text(&problem))?;
    (hooks.set_playing)(false);
    hooks.engine.borrow_mut().replace(&scenario, false);
    (hooks.refresh)();
    Ok(())
}

/// The lesson a lesson link names (`#lesson=ID`, optionally with `&step=N`), whole or just its
/// fragment. Scenario JSON is never one, whatever its strings hold.
fn lesson_named_in(text: &str) -> Option<crate::lessons::LessonLink> {
    let text = text.trim();
    if text.starts_with('{') {
        return None;
    }
    let fragment = text.split_once('#').map_or(text, |(_, fragment)| fragment);
    crate::lessons::LessonLink::from_fragment(fragment)
}

/// Loads an imported file: scenario JSON (what "Export scenario JSON" writes) or a saved link.
/// Anything else is named as the wrong kind of file, not read as a broken link.
pub fn load_file(hooks: &Hooks, name: &str, bytes: Vec<u8>) {
    let text = String::from_utf8(bytes).unwrap_or_default();
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.contains("s=") {
        load_text(hooks, &text);
    } else {
        hooks.engine.borrow_mut().notice = Some(format!(
            "The file {name:?} is not a scenario: it should hold scenario JSON in UTF-8, as \"Export scenario JSON\" writes, or a link. The current run is unchanged."
        ));
        (hooks.refresh)();
    }
}

/// Loads scenario text from the page (an address, an imported file); a problem becomes the
/// page's notice and the current run stays.
pub fn load_text(hooks: &Hooks, text: &str) {
    if let Err(message) = try_load(hooks, text) {
        hooks.engine.borrow_mut().notice = Some(message);
        (hooks.refresh)();
    }
}

fn seek(hooks: &Hooks, argument: &JsValue) -> Result<JsValue, JsValue> {
    let ms = argument
        .as_f64()
        .filter(|ms| ms.is_finite() && *ms >= 0.0 && *ms <= 3_600_000.0)
        .ok_or_else(|| error("seek expects a time in milliseconds, from 0 to 3600000"))?;
    let at_us = (ms.round() as u64) * 1_000;
    (hooks.set_playing)(false);
    hooks.engine.borrow_mut().seek(at_us);
    hooks.engine.borrow_mut().settle();
    (hooks.refresh)();
    // A run stops at a safety violation, or when it has used up its events: a seek past
    // that gets there and says so.
    let engine = hooks.engine.borrow();
    let simulation = engine.simulation();
    if simulation.is_stopped() && engine.now_us() < at_us {
        let at_ms = engine.now_us() / 1_000;
        let why = if simulation.is_halted() {
            format!("at a safety violation at {at_ms} ms (see state().violations)")
        } else {
            format!(
                "at {at_ms} ms, after the {} events a run may have",
                crate::sim::MAX_EVENTS
            )
        };
        return Err(error(format!(
            "seek({}): the run stopped {why} and goes no further; earlier moments can be sought",
            at_us / 1_000
        )));
    }
    Ok(JsValue::UNDEFINED)
}

/// Pauses a playing run, finishing the current millisecond so that a link names the moment
/// exactly (`Engine::pause_moment_us`); a paused run stays where it is.
fn pause_on_a_millisecond(hooks: &Hooks) {
    hooks.engine.borrow_mut().apply_scrub();
    let pause_at = hooks.engine.borrow().pause_moment_us();
    (hooks.set_playing)(false);
    if let Some(pause_at) = pause_at {
        hooks.engine.borrow_mut().seek(pause_at);
    }
    hooks.engine.borrow_mut().settle();
    (hooks.refresh)();
}

/// The object `raft-sim run` prints, for the current moment.
fn state(hooks: &Hooks) -> Result<JsValue, JsValue> {
    hooks.engine.borrow_mut().settle();
    let engine = hooks.engine.borrow();
    let simulation = engine.simulation();
    let linearizable = if simulation.violations().is_empty() {
        match linearizability::check(
            &simulation.linearizability_history(),
            STATE_LINEARIZABILITY_BUDGET,
        ) {
            Verdict::Linearizable => Some(true),
            Verdict::NotLinearizable { .. } => Some(false),
            Verdict::Inconclusive { .. } => None,
        }
    } else {
        None
    };
    // Every number in it is below 2^53 (see `limits::RESTORE_POSITION_MAX`); were one not, a
    // script would get an error that says so rather than `null`.
    simulation
        .report(linearizable)
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|_| error("state() holds a number past 2^53, which a script cannot hold exactly"))
}

/// The current scenario as a link to this page, ending at the current moment
/// (`Engine::scenario_at_moment`).
pub fn current_link(hooks: &Hooks) -> String {
    run_link(&hooks.engine.borrow(), true)
}

/// The run up to now as a link on this page's address, with its query (`?embed&controls=…`)
/// or without it (to open the run in the full playground).
pub fn run_link(engine: &Engine, with_query: bool) -> String {
    engine
        .scenario_at_moment()
        .to_link(&page_address(with_query))
}

/// The link to what the page shows: the lesson at its step while it is followed (so a
/// learner who opens it keeps the captions), else the run up to now. With the query for the
/// address bar; without it for an embed's link to the full playground.
pub fn page_link(engine: &Engine, with_query: bool) -> String {
    match engine.followed_lesson_link() {
        Some(lesson) => page_address(with_query) + &lesson.fragment(),
        None => run_link(engine, with_query),
    }
}

/// This page's address without its fragment, with its query or without it.
fn page_address(with_query: bool) -> String {
    web_sys::window()
        .and_then(|window| {
            let location = window.location();
            let query = if with_query {
                location.search().ok()?
            } else {
                String::new()
            };
            Some(format!(
                "{}{}{query}",
                location.origin().ok()?,
                location.pathname().ok()?
            ))
        })
        .unwrap_or_default()
}

fn on(name: &JsValue, callback: &JsValue) -> Result<JsValue, JsValue> {
    let name = name.as_string().unwrap_or_default();
    let callback = callback
        .dyn_ref::<Function>()
        .cloned()
        .ok_or_else(|| error("on expects an event name and a function"))?;
    LISTENERS.with(|listeners| {
        let mut listeners = listeners.borrow_mut();
        match name.as_str() {
            "leader" => listeners.leader.push(callback),
            "violation" => listeners.violation.push(callback),
            other => {
                return Err(error(format!(
                    "unknown event {other:?} (known: \"leader\", \"violation\")"
                )));
            }
        }
        Ok(JsValue::UNDEFINED)
    })
}

/// Tells listeners (and a host page) what changed since the last call: a new leader, new
/// violations. Called after every frame and every change. The callbacks run once the engine
/// and the listener list are no longer borrowed, so that they may call the API themselves
/// (read `state()`, `pause()` on a new leader, register another listener).
pub fn notify(engine: &EngineHandle) {
    let events = LISTENERS.with(|listeners| news(&engine.borrow(), &mut listeners.borrow_mut()));
    for (name, event) in events {
        let callbacks = LISTENERS.with(|listeners| {
            let listeners = listeners.borrow();
            if name == "leader" {
                listeners.leader.clone()
            } else {
                listeners.violation.clone()
            }
        });
        for callback in callbacks {
            let _ = callback.call1(&JsValue::NULL, &event);
        }
        post_to_host(name, &event);
    }
}

/// The events since `listeners` last heard: a change of leader, then each new violation.
fn news(engine: &Engine, listeners: &mut Listeners) -> Vec<(&'static str, JsValue)> {
    let mut events = Vec::new();
    // A run replaying to its moment tells what it finds there, not what it passes.
    if engine.catching_up().is_some() {
        return events;
    }
    let simulation = engine.simulation();
    let leader = simulation.leader();
    let term = leader
        .and_then(|id| simulation.server(id))
        .and_then(|server| server.raft.as_ref())
        .map_or(0, |raft| raft.current_term());
    let current = leader.map(|id| (id, term));
    if current != listeners.last_leader {
        listeners.last_leader = current;
        events.push(("leader", to_js(&LeaderEvent { leader, term })));
    }
    let violations = simulation.violations();
    let told = match listeners.violations_seen {
        (run, told) if run == engine.runs_replaced => told.min(violations.len()),
        _ => 0,
    };
    for violation in &violations[told..] {
        let event = to_js(&ViolationEvent {
            kind: violation.kind.name(),
            at_ms: violation.at_us / 1_000,
            detail: violation.detail.clone(),
        });
        events.push(("violation", event));
    }
    listeners.violations_seen = (engine.runs_replaced, violations.len());
    events
}

/// Forwards an event to the embedding page, if any.
fn post_to_host(name: &str, value: &JsValue) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    if parent == window {
        return;
    }
    let message = Object::new();
    let _ = Reflect::set(&message, &"raftPlayground".into(), &"event".into());
    let _ = Reflect::set(&message, &"name".into(), &name.into());
    let _ = Reflect::set(&message, &"value".into(), value);
    let _ = parent.post_message(&message, "*");
}

/// `postMessage({ raftPlayground: "seek", args: [5000], id: 1 })` calls `seek(5000)` and
/// answers `{ raftPlayground: "result", id: 1, value }` (or `"error"` with a `message`).
fn listen_for_messages(window: &web_sys::Window, api: Object) {
    let closure = Closure::<dyn Fn(web_sys::MessageEvent)>::new(
        move |event: web_sys::MessageEvent| {
            let data = event.data();
            let Some(method) = Reflect::get(&data, &"raftPlayground".into())
                .ok()
                .and_then(|value| value.as_string())
            else {
                return;
            };
            if matches!(method.as_str(), "result" | "error" | "event") {
                return; // Our own answers, echoed.
            }
            let id = Reflect::get(&data, &"id".into()).unwrap_or(JsValue::NULL);
            let args = Reflect::get(&data, &"args".into()).unwrap_or(JsValue::UNDEFINED);
            // Left out or null: no arguments.
            let args_are_a_list = args.is_undefined() || args.is_null() || Array::is_array(&args);
            let args = Some(args)
                .filter(Array::is_array)
                .map(|args| Array::from(&args))
                .unwrap_or_default();
            // Only the API's own methods: not what every object inherits ("constructor",
            // "toString"), which a host page's typo would otherwise call.
            let name = JsValue::from_str(&method);
            let outcome = match Some(&name)
                .filter(|name| Object::has_own(&api, name))
                .and_then(|name| Reflect::get(&api, name).ok())
                .and_then(|f| f.dyn_into::<Function>().ok())
            {
                _ if method == "on" => Err(error(
                    "a host page needs no \"on\": every event comes to it as a message {raftPlayground: \"event\", name, value}",
                )),
                Some(_) if !args_are_a_list => Err(error(format!(
                    "args must be an array of {method}'s arguments, for example {{raftPlayground: \"seek\", args: [5000]}}"
                ))),
                Some(function) => function.apply(&api, &args),
                None => Err(error(format!("unknown method {method:?}"))),
            };
            let reply = Object::new();
            let _ = Reflect::set(&reply, &"id".into(), &id);
            match outcome {
                Ok(value) => {
                    let _ = Reflect::set(&reply, &"raftPlayground".into(), &"result".into());
                    let _ = Reflect::set(&reply, &"value".into(), &value);
                }
                Err(problem) => {
                    let message = Reflect::get(&problem, &"message".into())
                        .ok()
                        .and_then(|m| m.as_string())
                        .unwrap_or_default();
                    let _ = Reflect::set(&reply, &"raftPlayground".into(), &"error".into());
                    let _ = Reflect::set(&reply, &"message".into(), &message.into());
                }
            }
            // The source is usually another realm's window (the host page), which is not an
            // `instanceof` this realm's `Window`: cast without checking; only `postMessage` is used.
            if let Some(source) = event
                .source()
                .map(|source| source.unchecked_into::<web_sys::Window>())
            {
                let _ = source.post_message(&reply, "*");
            }
        },
    );
    let _ = window.add_event_listener_with_callback("message", closure.as_ref().unchecked_ref());
    closure.forget();
}
