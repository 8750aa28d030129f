//! The log panel: one row per node, cells coloured by term, the committed prefix solid and the
//! rest hollow, the compacted prefix as one block with its last index and term, the leader's
//! match index (▲) and next index (△) for each follower, and the entries a safety violation
//! involves ringed in red. A crashed node's row shows what is on its disk, faded.
//!
//! The panel follows the newest entries unless scrolled back: by wheel, by dragging, or with
//! the buttons above it (which are the keyboard's way in). Clicking a row selects its node.
//!
//! `draw` runs every animation frame, so it draws only the visible cells, one rectangle per run
//! of committed cells of one term, and formats only the few labels it shows. The scroll
//! position lives here rather than in the engine: nothing else reads it.

use std::cell::{Cell, RefCell};
use std::fmt::Write;

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d as Context, HtmlCanvasElement, PointerEvent, WheelEvent};
use yew::prelude::*;

use super::context::{Ui, use_ui};
use super::draw::with_text;
use super::engine::{Engine, Selection};
use super::palette::{Palette, node_fill, term_colour};
use crate::raft::{Entry, NodeId, Progress};
use crate::sim::server::Server;
use crate::view::{log_first_shown, look_of, ruler_step};

const LABEL_WIDTH: f64 = 92.0;
/// Characters of a compacted prefix's label (9 px, about 5 px each) that fit right of a node's
/// name ("S15" ends near 44 px) in the names' column.
const COMPACTED_LABEL_CHARS: usize = 8;
const CELL_WIDTH: f64 = 14.0;
const GAP: f64 = 2.0;
const RULER_HEIGHT: f64 = 16.0;
const ROW_HEIGHT_MAX: f64 = 24.0;
const ROW_HEIGHT_MIN: f64 = 12.0;
const BOTTOM_PADDING: f64 = 4.0;
/// Below this row height there is no room under the cells for the match and next markers.
const MARKER_ROOM_MIN: f64 = 19.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Scroll {
    follow_tail: bool,
    /// The first index shown when not following the tail.
    first_index: u64,
}

/// Where the last frame put things, for the scroll controls and the pointer.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    first_shown: u64,
    fit: u64,
    highest: u64,
    row_height: f64,
    /// How much the drawing is magnified (`view::window_zoom`): pointer movements in CSS px
    /// are divided by it.
    zoom: f64,
}

impl Default for Geometry {
    /// Before the first frame: nothing shown, at no magnification.
    fn default() -> Self {
        Geometry {
            first_shown: 0,
            fit: 0,
            highest: 0,
            row_height: 0.0,
            zoom: 1.0,
        }
    }
}

impl Geometry {
    fn scrollable(&self) -> bool {
        log_first_shown(self.highest, self.fit, true, 0) > 1
    }
}

thread_local! {
    static SCROLL: Cell<Scroll> = const {
        Cell::new(Scroll { follow_tail: true, first_index: 1 })
    };
    static GEOMETRY: Cell<Geometry> = Cell::new(Geometry::default());
    /// The engine's `runs_loaded` when the scroll position was last read: a run loaded since
    /// starts at its newest entries.
    static RUN_SHOWN: Cell<u64> = const { Cell::new(0) };
    /// The engine's `log_focus` requests when the scroll position was last read.
    static FOCUS_SHOWN: Cell<u64> = const { Cell::new(0) };
    /// The range last written into the label (first shown, fit, highest), so a drawing
    /// touches the page only when it changes; `None` when the label is new and empty.
    static RANGE_SHOWN: Cell<Option<(u64, u64, u64)>> = const { Cell::new(None) };
}

/// A drag in progress: where it started, the first index then, and whether it moved.
#[derive(Clone, Copy, Debug)]
struct Drag {
    start_x: f64,
    start_first: u64,
    moved: bool,
}

#[function_component(LogPanel)]
pub fn log_panel() -> Html {
    let ui = use_ui();
    let update = use_force_update();
    let drag = use_mut_ref(|| None::<Drag>);
    let canvas_ref = ui.painter.borrow().log_canvas.clone();
    // A newly mounted label is empty: the next drawing must fill it.
    use_effect_with((), |_| RANGE_SHOWN.set(None));
    let rows = ui.engine.borrow().simulation().servers().count();
    // Magnified with the window, like the drawing (CSS caps it at 30 % of the window's height).
    let zoom = crate::view::window_zoom(super::painter::window_size());
    let height = (RULER_HEIGHT + rows as f64 * ROW_HEIGHT_MAX + BOTTOM_PADDING) * zoom;
    let scroll_to = {
        let ui = ui.clone();
        let update = update.clone();
        Callback::from(move |scroll: Scroll| {
            SCROLL.set(scroll);
            ui.painter.borrow_mut().paint(&ui.engine.borrow());
            update.force_update();
        })
    };
    let by = |cells: i64| {
        let scroll_to = scroll_to.clone();
        Callback::from(move |_: MouseEvent| scroll_to.emit(scrolled_by(cells)))
    };
    let page = GEOMETRY.get().fit.max(4) as i64 * 3 / 4;
    let follow = scroll(&ui.engine.borrow()).follow_tail;
    html! {
        <section class="log-panel" aria-label="Logs">
            <div class="log-toolbar">
                <h2 class="log-title">{ "Logs" }</h2>
                { legend() }
                // Filled in by `draw`, which knows the range as it draws it.
                <span class="log-range" aria-live="off"></span>
                <div class="log-scroll" role="group" aria-label="Scroll the logs">
                    <button aria-label="Show the oldest entries" title="Oldest entries"
                        onclick={ let scroll_to = scroll_to.clone(); move |_| scroll_to.emit(Scroll { follow_tail: false, first_index: 1 }) }>{ "⇤" }</button>
                    <button aria-label="Scroll the logs back" title="Back" onclick={by(-page)}>{ "◀" }</button>
                    <button aria-label="Scroll the logs forward" title="Forward" onclick={by(page)}>{ "▶" }</button>
                    <button class={classes!("log-follow", follow.then_some("segment-on"))} aria-pressed={follow.to_string()}
                        aria-label="Newest: follow the newest entries" title="Follow the newest entries"
                        onclick={ let scroll_to = scroll_to.clone(); move |_| scroll_to.emit(Scroll { follow_tail: true, first_index: 1 }) }>{ "Newest ⇥" }</button>
                </div>
            </div>
            <canvas ref={canvas_ref} class="log-canvas" style={format!("height: {height}px")}
                role="img" aria-label={describe(&ui)}
                onwheel={on_wheel(&scroll_to)}
                onpointerdown={on_pointer_down(&drag)}
                onpointermove={on_pointer_move(&drag, &scroll_to)}
                onpointerup={on_pointer_up(&drag, &ui)} />
        </section>
    }
}

fn legend() -> Html {
    html! {
        <span class="log-legend" aria-hidden="true">
            <span>
                { for (1..=3).map(|term| html! {
                    <i class="swatch" style={format!("background: {}", term_colour(term))}></i>
                }) }
                { "terms 1, 2, 3…" }
            </span>
            <span><i class="swatch swatch-committed"></i>{ "committed" }</span>
            // Commitment as the row's node knows it: a follower learns it after the leader,
            // and a down node has forgotten it (its commit index is volatile).
            <span><i class="swatch swatch-uncommitted"></i>{ "not known committed" }</span>
            <span><i class="swatch swatch-snapshot"></i>{ "snapshot" }</span>
            <span>{ "▲ match · △ next (leader's view)" }</span>
            <span><i class="swatch swatch-violation"></i>{ "violation" }</span>
        </span>
    }
}

/// The scroll position, back to following the newest entries if another run was loaded
/// since the last look, or at an entry asked for since (a third of the way in).
fn scroll(engine: &Engine) -> Scroll {
    if RUN_SHOWN.replace(engine.runs_loaded) != engine.runs_loaded {
        SCROLL.set(Scroll {
            follow_tail: true,
            first_index: 1,
        });
    }
    let (index, requests) = engine.log_focus;
    if FOCUS_SHOWN.replace(requests) != requests {
        let geometry = GEOMETRY.get();
        let first = index.saturating_sub(geometry.fit / 3).max(1);
        SCROLL.set(scrolled_to(first, &geometry));
    }
    SCROLL.get()
}

/// The scroll position `cells` cells on from what the last frame showed; reaching the tail
/// follows it again.
fn scrolled_by(cells: i64) -> Scroll {
    let geometry = GEOMETRY.get();
    let first = (geometry.first_shown as i64 + cells).max(1) as u64;
    scrolled_to(first, &geometry)
}

fn scrolled_to(first: u64, geometry: &Geometry) -> Scroll {
    let tail = log_first_shown(geometry.highest, geometry.fit, true, 0);
    Scroll {
        follow_tail: first >= tail,
        first_index: first.min(tail),
    }
}

fn on_wheel(scroll_to: &Callback<Scroll>) -> Callback<WheelEvent> {
    let scroll_to = scroll_to.clone();
    Callback::from(move |event: WheelEvent| {
        if !GEOMETRY.get().scrollable() {
            return; // Nothing to scroll: let the page have the wheel.
        }
        let (dx, dy) = (event.delta_x(), event.delta_y());
        let delta = if dx.abs() > dy.abs() { dx } else { dy };
        let pixels = match event.delta_mode() {
            WheelEvent::DOM_DELTA_LINE => delta * 16.0,
            WheelEvent::DOM_DELTA_PAGE => delta * 400.0,
            _ => delta,
        };
        let cells = (pixels / GEOMETRY.get().zoom / CELL_WIDTH).round() as i64;
        let cells = if cells == 0 {
            pixels.signum() as i64
        } else {
            cells
        };
        event.prevent_default();
        scroll_to.emit(scrolled_by(cells));
    })
}

fn on_pointer_down(drag: &std::rc::Rc<RefCell<Option<Drag>>>) -> Callback<PointerEvent> {
    let drag = drag.clone();
    Callback::from(move |event: PointerEvent| {
        if let Some(canvas) = event.target_dyn_into::<HtmlCanvasElement>() {
            let _ = canvas.set_pointer_capture(event.pointer_id());
        }
        *drag.borrow_mut() = Some(Drag {
            start_x: f64::from(event.client_x()),
            start_first: GEOMETRY.get().first_shown,
            moved: false,
        });
    })
}

fn on_pointer_move(
    drag: &std::rc::Rc<RefCell<Option<Drag>>>,
    scroll_to: &Callback<Scroll>,
) -> Callback<PointerEvent> {
    let drag = drag.clone();
    let scroll_to = scroll_to.clone();
    Callback::from(move |event: PointerEvent| {
        let Some(mut state) = *drag.borrow() else {
            return;
        };
        let dx = f64::from(event.client_x()) - state.start_x;
        if dx.abs() < 4.0 && !state.moved {
            return;
        }
        state.moved = true;
        *drag.borrow_mut() = Some(state);
        let geometry = GEOMETRY.get();
        if !geometry.scrollable() {
            return;
        }
        let cells = (-dx / geometry.zoom / CELL_WIDTH).round() as i64;
        let first = (state.start_first as i64 + cells).max(1) as u64;
        let scroll = scrolled_to(first, &geometry);
        if scroll != SCROLL.get() {
            scroll_to.emit(scroll);
        }
    })
}

/// A press that did not move is a click: it selects the node of the row under it.
fn on_pointer_up(drag: &std::rc::Rc<RefCell<Option<Drag>>>, ui: &Ui) -> Callback<PointerEvent> {
    let drag = drag.clone();
    let ui = ui.clone();
    Callback::from(move |event: PointerEvent| {
        let Some(state) = drag.borrow_mut().take() else {
            return;
        };
        if state.moved {
            return;
        }
        let Some(canvas) = event
            .target()
            .and_then(|target| target.dyn_into::<HtmlCanvasElement>().ok())
        else {
            return;
        };
        let geometry = GEOMETRY.get();
        let y =
            (f64::from(event.client_y()) - canvas.get_bounding_client_rect().top()) / geometry.zoom;
        let row = ((y - RULER_HEIGHT) / geometry.row_height.max(1.0)).floor();
        let id = (row >= 0.0)
            .then(|| {
                ui.engine
                    .borrow()
                    .simulation()
                    .servers()
                    .nth(row as usize)
                    .map(|server| server.id)
            })
            .flatten();
        if let Some(id) = id {
            ui.inspect(Selection::Node(id));
        }
    })
}

/// The canvas's text alternative: where each log stands.
fn describe(ui: &Ui) -> String {
    let engine = ui.engine.borrow();
    let mut text = String::from("Every node's log, one row per node. ");
    for server in engine.simulation().servers() {
        let log = RowLog::of(server);
        let _ = write!(
            text,
            "S{}: last index {}, committed {}, snapshot up to {}{}. ",
            server.id,
            log.last_index(),
            log.commit_index,
            log.snapshot_index,
            if log.down {
                " (down: what is on disk)"
            } else {
                ""
            }
        );
    }
    text
}

/// What one row shows: the node's log in memory, or what is on disk while it is down.
struct RowLog<'a> {
    snapshot_index: u64,
    snapshot_term: u64,
    entries: &'a [Entry],
    /// 0 while down: the commit index is volatile.
    commit_index: u64,
    down: bool,
}

impl<'a> RowLog<'a> {
    fn of(server: &'a Server) -> Self {
        match &server.raft {
            Some(raft) => RowLog {
                snapshot_index: raft.log().snapshot_index(),
                snapshot_term: raft.log().snapshot().last_included_term,
                entries: raft.log().entries(),
                commit_index: raft.commit_index(),
                down: false,
            },
            None => {
                let disk = &server.disk.persisted;
                RowLog {
                    snapshot_index: disk.snapshot.last_included_index,
                    snapshot_term: disk.snapshot.last_included_term,
                    entries: &disk.entries,
                    commit_index: 0,
                    down: true,
                }
            }
        }
    }

    fn last_index(&self) -> u64 {
        self.snapshot_index + self.entries.len() as u64
    }

    /// The entries with indices in `first..first + count`.
    fn visible(&self, first: u64, count: u64) -> &'a [Entry] {
        let start = first.saturating_sub(self.snapshot_index + 1) as usize;
        let end = (first + count).saturating_sub(self.snapshot_index + 1) as usize;
        let end = end.min(self.entries.len());
        &self.entries[start.min(end)..end]
    }
}

/// Where rows and cells go this frame.
struct Frame<'a> {
    context: &'a Context,
    palette: &'a Palette,
    first_shown: u64,
    fit: u64,
    row_height: f64,
    cell_height: f64,
}

impl Frame<'_> {
    fn x_of(&self, index: u64) -> f64 {
        LABEL_WIDTH + (index as f64 - self.first_shown as f64) * CELL_WIDTH
    }

    fn row_y(&self, row: usize) -> f64 {
        RULER_HEIGHT + row as f64 * self.row_height + 2.0
    }

    fn shows(&self, index: u64) -> bool {
        index >= self.first_shown && index < self.first_shown + self.fit
    }
}

/// "51–133 of 133": the indexes shown, of the highest any node holds.
fn range_text(geometry: &Geometry) -> Option<String> {
    if geometry.highest == 0 {
        return Some("no entries yet".to_string());
    }
    (geometry.fit > 0).then(|| {
        let last = (geometry.first_shown + geometry.fit - 1).min(geometry.highest);
        format!("{}–{} of {}", geometry.first_shown, last, geometry.highest)
    })
}

/// Writes the range into the toolbar's label as the canvas is drawn. Yew renders the label
/// empty and never touches its text: rendered by Yew, it would lag one drawing behind, since
/// the panels render before the canvas is drawn.
fn show_range(context: &Context, geometry: &Geometry) {
    let range = (geometry.first_shown, geometry.fit, geometry.highest);
    if RANGE_SHOWN.get() == Some(range) {
        return;
    }
    let label = context
        .canvas()
        .and_then(|canvas| canvas.parent_element())
        .and_then(|panel| panel.query_selector(".log-range").ok().flatten());
    let Some(label) = label else {
        return;
    };
    label.set_text_content(range_text(geometry).as_deref());
    RANGE_SHOWN.set(Some(range));
}

/// Draws every node's log.
pub fn draw(
    context: &Context,
    engine: &Engine,
    (width, height): (f64, f64),
    zoom: f64,
    palette: &Palette,
) {
    let simulation = engine.simulation();
    let rows = simulation.servers().count().max(1);
    // Magnified no more than leaves every row room for its match and next markers.
    let room = height / (RULER_HEIGHT + rows as f64 * MARKER_ROOM_MIN + BOTTOM_PADDING);
    let zoom = zoom.min(room.max(1.0));
    let _ = context.scale(zoom, zoom);
    let (width, height) = (width / zoom, height / zoom);
    context.set_fill_style_str(palette.background);
    context.fill_rect(0.0, 0.0, width, height);
    let highest = simulation
        .servers()
        .map(|server| RowLog::of(server).last_index())
        .max()
        .unwrap_or(0);
    let fit = ((width - LABEL_WIDTH - 4.0) / CELL_WIDTH).floor().max(1.0) as u64;
    let scroll = scroll(engine);
    let first_shown = log_first_shown(highest, fit, scroll.follow_tail, scroll.first_index);
    let row_height = ((height - RULER_HEIGHT - BOTTOM_PADDING) / rows as f64)
        .clamp(ROW_HEIGHT_MIN, ROW_HEIGHT_MAX);
    let geometry = Geometry {
        first_shown,
        fit,
        highest,
        row_height,
        zoom,
    };
    show_range(context, &geometry);
    GEOMETRY.set(geometry);
    let cell_height = if row_height >= MARKER_ROOM_MIN {
        row_height - 10.0
    } else {
        row_height - 4.0
    };
    let frame = Frame {
        context,
        palette,
        first_shown,
        fit,
        row_height,
        cell_height,
    };
    draw_ruler(&frame);
    for (row, server) in simulation.servers().enumerate() {
        draw_committed_runs(&frame, &RowLog::of(server), frame.row_y(row));
    }
    draw_separators(&frame, rows);
    if let Selection::Node(selected) = engine.selection
        && let Some(row) = simulation
            .servers()
            .position(|server| server.id == selected)
    {
        context.set_fill_style_str(palette.selection);
        context.set_global_alpha(0.12);
        context.fill_rect(0.0, frame.row_y(row) - 2.0, width, row_height);
        context.set_global_alpha(1.0);
    }
    // The leader's view of every other member (it keeps no progress for itself).
    let leader_progress = simulation
        .leader()
        .and_then(|leader| simulation.server(leader))
        .and_then(|server| server.raft.as_ref())
        .and_then(|raft| raft.progress());
    let configuration = simulation.configuration();
    for (row, server) in simulation.servers().enumerate() {
        let log = RowLog::of(server);
        let y = frame.row_y(row);
        draw_uncommitted(&frame, &log, y);
        draw_snapshot(&frame, &log, y);
        draw_commit_mark(&frame, &log, y);
        draw_label(&frame, &configuration, server, &log, y);
        if let Some(progress) = leader_progress.and_then(|map| map.get(&server.id)) {
            draw_progress(&frame, progress, y);
        }
    }
    draw_violations(&frame, simulation);
}

fn draw_ruler(frame: &Frame) {
    let context = frame.context;
    let step = ruler_step(CELL_WIDTH, 34.0);
    context.set_font("10px system-ui, sans-serif");
    context.set_text_align("center");
    context.set_fill_style_str(frame.palette.muted);
    let first_label = frame.first_shown.div_ceil(step) * step;
    let mut index = first_label.max(step);
    while frame.shows(index) {
        let x = frame.x_of(index) + (CELL_WIDTH - GAP) / 2.0;
        with_text(
            |text| {
                let _ = write!(text, "{index}");
            },
            |text| context.fill_text(text, x, 11.0),
        )
        .ok();
        context.fill_rect(x - 0.5, 13.0, 1.0, 3.0);
        index += step;
    }
}

/// Committed entries, one rectangle per run of one term.
fn draw_committed_runs(frame: &Frame, log: &RowLog, y: f64) {
    let context = frame.context;
    let visible = log.visible(frame.first_shown, frame.fit);
    let committed = visible.partition_point(|entry| entry.index <= log.commit_index);
    let mut start = 0;
    while start < committed {
        let term = visible[start].term;
        let end = start + visible[start..committed].partition_point(|entry| entry.term == term);
        context.set_fill_style_str(term_colour(term));
        let x = frame.x_of(visible[start].index);
        let width = (end - start) as f64 * CELL_WIDTH - GAP;
        context.fill_rect(x, y, width, frame.cell_height);
        start = end;
    }
}

/// Gaps between the cells of committed runs, in one pass over all rows.
fn draw_separators(frame: &Frame, rows: usize) {
    let context = frame.context;
    context.set_fill_style_str(frame.palette.background);
    let top = RULER_HEIGHT;
    let height = rows as f64 * frame.row_height;
    context.begin_path();
    for cell in 1..=frame.fit {
        context.rect(
            LABEL_WIDTH + cell as f64 * CELL_WIDTH - GAP,
            top,
            GAP,
            height,
        );
    }
    context.fill();
}

/// Entries not known to be committed: hollow cells (few, so one call each). On a down node,
/// every entry on disk (its commit index died with it).
fn draw_uncommitted(frame: &Frame, log: &RowLog, y: f64) {
    let context = frame.context;
    let visible = log.visible(frame.first_shown, frame.fit);
    let committed = visible.partition_point(|entry| entry.index <= log.commit_index);
    let fade = if log.down { 0.45 } else { 1.0 };
    let mut term = None;
    context.set_line_width(1.5);
    for entry in &visible[committed..] {
        if term != Some(entry.term) {
            term = Some(entry.term);
            let colour = term_colour(entry.term);
            context.set_fill_style_str(colour);
            context.set_stroke_style_str(colour);
        }
        let x = frame.x_of(entry.index);
        context.set_global_alpha(0.25 * fade);
        context.fill_rect(x, y, CELL_WIDTH - GAP, frame.cell_height);
        context.set_global_alpha(fade);
        context.stroke_rect(
            x + 0.75,
            y + 0.75,
            CELL_WIDTH - GAP - 1.5,
            frame.cell_height - 1.5,
        );
    }
    context.set_global_alpha(1.0);
}

/// The compacted prefix: one block up to the snapshot's last index, labelled with it and its
/// term; when scrolled out of sight, the label goes beside the node's name.
fn draw_snapshot(frame: &Frame, log: &RowLog, y: f64) {
    let context = frame.context;
    let index = log.snapshot_index;
    if index == 0 {
        return;
    }
    if index < frame.first_shown {
        context.set_font("9px system-ui, sans-serif");
        context.set_text_align("right");
        context.set_fill_style_str(frame.palette.muted);
        with_text(
            |text| {
                crate::view::write_compacted_label(
                    text,
                    index,
                    log.snapshot_term,
                    COMPACTED_LABEL_CHARS,
                );
            },
            |text| context.fill_text(text, LABEL_WIDTH - 6.0, y + frame.cell_height / 2.0 + 3.0),
        )
        .ok();
        return;
    }
    // Only the visible part: its label is centred in what can be seen.
    let x = LABEL_WIDTH;
    let right =
        (frame.x_of(index) + CELL_WIDTH - GAP).min(frame.x_of(frame.first_shown + frame.fit));
    let width = right - x;
    context.set_fill_style_str(frame.palette.muted);
    context.set_global_alpha(0.22);
    context.fill_rect(x, y, width, frame.cell_height);
    context.set_global_alpha(0.9);
    context.set_stroke_style_str(frame.palette.muted);
    context.set_line_width(1.0);
    context.stroke_rect(x + 0.5, y + 0.5, width - 1.0, frame.cell_height - 1.0);
    context.set_global_alpha(1.0);
    context.save();
    context.begin_path();
    context.rect(x, y, width, frame.cell_height);
    context.clip();
    context.set_font("10px system-ui, sans-serif");
    context.set_text_align("center");
    context.set_fill_style_str(frame.palette.text);
    with_text(
        |text| {
            let _ = write!(text, "snapshot ≤ {index} · term {}", log.snapshot_term);
            if width < text.chars().count() as f64 * 5.6 + 8.0 {
                text.clear();
                let _ = write!(text, "≤{index} t{}", log.snapshot_term);
            }
        },
        |text| context.fill_text(text, x + width / 2.0, y + frame.cell_height / 2.0 + 3.5),
    )
    .ok();
    context.restore();
}

/// A bar after the last committed entry.
fn draw_commit_mark(frame: &Frame, log: &RowLog, y: f64) {
    if log.down || log.commit_index == 0 || !frame.shows(log.commit_index) {
        return;
    }
    let x = frame.x_of(log.commit_index) + CELL_WIDTH - GAP / 2.0 - 1.0;
    frame.context.set_fill_style_str(frame.palette.text);
    frame
        .context
        .fill_rect(x, y - 2.0, 2.0, frame.cell_height + 4.0);
}

fn draw_label(
    frame: &Frame,
    configuration: &crate::raft::Membership,
    server: &Server,
    log: &RowLog,
    y: f64,
) {
    let context = frame.context;
    let middle = y + frame.cell_height / 2.0;
    context.set_fill_style_str(node_fill(look_of(server, configuration)));
    context.begin_path();
    let _ = context.arc(9.0, middle, 4.5, 0.0, std::f64::consts::TAU);
    context.fill();
    context.set_font("600 12px system-ui, sans-serif");
    context.set_text_align("left");
    context.set_fill_style_str(if log.down {
        frame.palette.muted
    } else {
        frame.palette.text
    });
    with_text(
        |text| {
            let _ = write!(text, "S{}", server.id);
        },
        |text| context.fill_text(text, 18.0, middle + 4.0),
    )
    .ok();
}

/// The leader's view of this follower: ▲ under its match index, △ under its next index.
fn draw_progress(frame: &Frame, progress: &Progress, y: f64) {
    let context = frame.context;
    let base = if frame.row_height >= MARKER_ROOM_MIN {
        y + frame.cell_height + 6.5
    } else {
        y + frame.cell_height
    };
    let triangle = |index: u64| {
        let x = frame.x_of(index) + (CELL_WIDTH - GAP) / 2.0;
        context.begin_path();
        context.move_to(x, base - 5.0);
        context.line_to(x + 4.0, base);
        context.line_to(x - 4.0, base);
        context.close_path();
    };
    context.set_fill_style_str(frame.palette.text);
    context.set_stroke_style_str(frame.palette.text);
    context.set_line_width(1.2);
    if progress.match_index > 0 && frame.shows(progress.match_index) {
        triangle(progress.match_index);
        context.fill();
    }
    if frame.shows(progress.next_index) {
        triangle(progress.next_index);
        context.stroke();
    }
}

/// The entries a violation names, ringed in red on the rows of the nodes it involves; a
/// violation without a position marks the node's name.
fn draw_violations(frame: &Frame, simulation: &crate::sim::Simulation) {
    let context = frame.context;
    context.set_stroke_style_str(frame.palette.violation);
    context.set_fill_style_str(frame.palette.violation);
    context.set_line_width(2.5);
    let row_of = |node: NodeId| simulation.servers().position(|server| server.id == node);
    for violation in simulation.violations() {
        for row in violation.nodes.iter().filter_map(|&node| row_of(node)) {
            let y = frame.row_y(row);
            match violation.index {
                Some(index) if frame.shows(index) => {
                    let x = frame.x_of(index);
                    context.stroke_rect(
                        x - 2.0,
                        y - 2.0,
                        CELL_WIDTH - GAP + 4.0,
                        frame.cell_height + 4.0,
                    );
                    context.fill_rect(x, 2.0, CELL_WIDTH - GAP, 3.0);
                }
                Some(_) => {}
                None => {
                    context.set_global_alpha(0.25);
                    context.fill_rect(2.0, y - 2.0, LABEL_WIDTH - 6.0, frame.cell_height + 4.0);
                    context.set_global_alpha(1.0);
                }
            }
        }
    }
}
