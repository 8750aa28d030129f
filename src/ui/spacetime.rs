//! The space-time (Lamport) diagram: a column per node (and one for the clients), virtual time
//! flowing down to "now" at the bottom, and each message of the last `WINDOW_US` an arrow from
//! its sender at its send time to its receiver at its arrival time, coloured by kind. Requests
//! are drawn bold with a filled head, answers thin with an open head, refusals end in a red dot,
//! lost messages are dashed and stop short in a cross, and duplicates are drawn as a doubled
//! line. A node's line is thick while it
//! leads, dashed while it is down; elections, crashes and restarts are written beside it.
//!
//! The messages come from the simulator: those in flight and the latest to have left the
//! network, which it remembers whole (`Network::departed`). So the diagram is the same at any
//! moment however it was reached (playing at any speed, a seek, a link), and shades only what
//! lies before the network's memory. `lifelines` draws the nodes' lines from the run's trace;
//! `path_text` hands the canvas whole batches of lines at once.

mod lifelines;
mod path_text;

use std::cell::RefCell;
use std::fmt::Write;

use web_sys::CanvasRenderingContext2d as Context;

use lifelines::draw_lifelines;
use path_text::{PATH, Paint, PathText};

use super::draw::{Hit, with_text};
use super::engine::{Engine, Selection};
use super::palette::{Palette, message_colour, node_fill};
use crate::raft::NodeId;
use crate::sim::Simulation;
use crate::sim::network::{DEPARTED_KEPT_US, Endpoint, InFlight};
use crate::view::{MessageKind, NodeLook, classify, look_of, tick_step_us};

/// How much recent virtual time the diagram shows.
const WINDOW_US: u64 = 400_000;
// The simulator remembers departed messages for at least the whole window.
const _: () = assert!(DEPARTED_KEPT_US >= WINDOW_US);
/// With reduced motion the window moves in steps of this much instead of scrolling smoothly.
const REDUCED_MOTION_STEP_US: u64 = 100_000;
/// A lost message's line stops this far along its way, in a cross.
const LOST_AT: f64 = 0.8;

const AXIS_WIDTH: f64 = 62.0;
const HEADER_HEIGHT: f64 = 42.0;

thread_local! {
    /// Where the last frame put each node's column (node id, x), for hit tests.
    static COLUMNS: RefCell<Vec<(NodeId, f64)>> = const { RefCell::new(Vec::new()) };
    /// The messages of the last frame, in drawing order: reused so drawing does not allocate,
    /// and read by hit tests.
    static DRAWN: RefCell<Vec<Drawn>> = const { RefCell::new(Vec::new()) };
    /// Scratch space for `sort_by_style`.
    static UNSORTED: RefCell<Vec<Drawn>> = const { RefCell::new(Vec::new()) };
    /// The legend laid out for the last canvas width: it changes only on a resize, so its text
    /// is not measured every frame.
    static LEGEND: RefCell<Option<(f64, LegendLayout)>> = const { RefCell::new(None) };
}

/// Each legend item's (x, row), and the height the legend takes under the plot.
type LegendLayout = ([(f64, usize); LEGEND_ITEMS.len()], f64);

/// What the diagram shows at (`x`, `y`) in the last frame: a message line (the one drawn on
/// top), or a node's column. For `Painter::hit` while the canvas shows this diagram.
pub fn hit_test(x: f64, y: f64) -> Option<Hit> {
    let message = DRAWN.with_borrow(|drawn| {
        drawn
            .iter()
            .rev()
            .find(|message| {
                let (x1, y1, x2, y2) = message.ends;
                distance_to_segment(x, y, x1, y1, x2, y2) <= 5.0
            })
            .map(|message| message.id)
    });
    if let Some(id) = message {
        return Some(Hit::Message(id));
    }
    COLUMNS.with_borrow(|columns| {
        columns
            .iter()
            .find(|&&(_, column_x)| (column_x - x).abs() <= 14.0 && y >= 4.0)
            .map(|&(id, _)| Hit::Node(id))
    })
}

fn distance_to_segment(x: f64, y: f64, x1: f64, y1: f64, x2: f64, y2: f64) -> f64 {
    let (dx, dy) = (x2 - x1, y2 - y1);
    let length_squared = (dx * dx + dy * dy).max(f64::EPSILON);
    let t = (((x - x1) * dx + (y - y1) * dy) / length_squared).clamp(0.0, 1.0);
    ((x - x1 - t * dx).powi(2) + (y - y1 - t * dy).powi(2)).sqrt()
}

/// Where things go this frame.
pub(super) struct Plot<'a> {
    context: &'a Context,
    palette: &'a Palette,
    now_us: u64,
    start_us: u64,
    end_us: u64,
    top: f64,
    bottom: f64,
    left: f64,
    right: f64,
    column_width: f64,
    /// Node ids in column order (the clients' column comes first).
    nodes: Vec<NodeId>,
    /// How each node looks, in column order (computed once a frame for the header and lines).
    looks: Vec<NodeLook>,
}

impl Plot<'_> {
    fn y_of(&self, at_us: u64) -> f64 {
        let offset = at_us as f64 - self.start_us as f64;
        self.top + offset / (self.end_us - self.start_us) as f64 * (self.bottom - self.top)
    }

    fn column_x(&self, column: usize) -> f64 {
        self.left + (column as f64 + 0.5) * self.column_width
    }

    fn x_of(&self, endpoint: Endpoint) -> f64 {
        match endpoint {
            Endpoint::Client(_) => self.column_x(0),
            Endpoint::Node(id) => match self.nodes.binary_search(&id) {
                Ok(index) => self.column_x(index + 1),
                Err(_) => self.column_x(0),
            },
        }
    }
}

pub fn draw(
    context: &Context,
    engine: &Engine,
    (width, height): (f64, f64),
    palette: &Palette,
    reduced_motion: bool,
) {
    let simulation = engine.simulation();
    context.set_fill_style_str(palette.background);
    context.fill_rect(0.0, 0.0, width, height);
    let now_us = simulation.now_us();
    let end_us = if reduced_motion {
        (now_us.div_ceil(REDUCED_MOTION_STEP_US) * REDUCED_MOTION_STEP_US).max(WINDOW_US)
    } else {
        now_us.max(WINDOW_US)
    };
    let nodes: Vec<NodeId> = simulation.servers().map(|server| server.id).collect();
    let (legend_places, legend_height) = legend_layout(context, width);
    let plot = Plot {
        context,
        palette,
        now_us,
        start_us: end_us - WINDOW_US,
        end_us,
        top: HEADER_HEIGHT,
        bottom: (height - legend_height).max(HEADER_HEIGHT + 40.0),
        left: AXIS_WIDTH,
        right: width - 4.0,
        column_width: (width - AXIS_WIDTH - 8.0) / (nodes.len() + 1) as f64,
        nodes,
        looks: {
            let configuration = simulation.configuration();
            simulation
                .servers()
                .map(|server| look_of(server, &configuration))
                .collect()
        },
    };
    draw_forgotten(&plot, simulation.network().remembers_from_us(), width);
    draw_time_axis(&plot, width);
    draw_lifelines(&plot, simulation);
    draw_messages(&plot, simulation, engine);
    COLUMNS.with_borrow_mut(|columns| {
        columns.clear();
        columns.extend(
            plot.nodes
                .iter()
                .enumerate()
                .map(|(i, &id)| (id, plot.column_x(i + 1))),
        );
    });
    draw_header(&plot, simulation, engine.selection);
    draw_legend(&plot, &legend_places, plot.bottom);
}

/// Shades the part of the window before the network's memory of departed messages (a busy
/// cluster can send more in the window than it remembers).
fn draw_forgotten(plot: &Plot, remembers_from_us: u64, width: f64) {
    if remembers_from_us <= plot.start_us {
        return;
    }
    let context = plot.context;
    let y = plot.y_of(remembers_from_us).min(plot.bottom);
    context.set_fill_style_str(plot.palette.muted);
    context.set_global_alpha(0.08);
    context.fill_rect(plot.left, plot.top, width - plot.left, y - plot.top);
    context.set_global_alpha(1.0);
    if y - plot.top > 30.0 {
        context.set_fill_style_str(plot.palette.muted);
        context.set_font("11px system-ui, sans-serif");
        context.set_text_align("center");
        let _ = context.fill_text(
            "earlier messages no longer remembered by the simulator",
            (plot.left + width) / 2.0,
            plot.top + (y - plot.top) / 2.0,
        );
    }
}

fn draw_time_axis(plot: &Plot, width: f64) {
    let context = plot.context;
    let step = tick_step_us(WINDOW_US, 8);
    let now_y = plot.y_of(plot.now_us);
    context.set_font("10px system-ui, sans-serif");
    context.set_text_align("right");
    let mut tick = plot.start_us.div_ceil(step) * step;
    while tick <= plot.end_us {
        let y = plot.y_of(tick);
        context.set_fill_style_str(plot.palette.ring);
        context.fill_rect(plot.left, y, width - plot.left - 4.0, 1.0);
        // Near "now", the label would collide with its own.
        if (y - now_y).abs() >= 12.0 {
            context.set_fill_style_str(plot.palette.muted);
            with_text(
                |text| {
                    let _ = write!(text, "{}.{:03} s", tick / 1_000_000, (tick / 1_000) % 1_000);
                },
                |text| context.fill_text(text, plot.left - 6.0, y + 3.5),
            )
            .ok();
        }
        tick += step;
    }
    // "Now": where arrows in flight reach.
    context.set_fill_style_str(plot.palette.timer);
    context.fill_rect(plot.left, now_y - 0.75, width - plot.left - 4.0, 1.5);
    let _ = context.fill_text("now", plot.left - 6.0, now_y + 3.5);
}

/// One message as this frame draws it.
#[derive(Clone, Copy, Debug)]
struct Drawn {
    style: Style,
    id: u64,
    refused: bool,
    ends: (f64, f64, f64, f64),
}

/// The messages, in a few batches of one style each (kind, answer or not, lost or not). Each
/// batch is one path handed to the canvas as text, so a frame crosses into JavaScript a few
/// dozen times however many messages there are.
fn draw_messages(plot: &Plot, simulation: &Simulation, engine: &Engine) {
    let context = plot.context;
    let selection = engine.selection;
    let hide_heartbeats = engine.hide_heartbeats;
    let network = simulation.network();
    DRAWN.with_borrow_mut(|drawn| {
        drawn.clear();
        drawn.extend(
            network
                .departed()
                .chain(network.in_flight())
                .filter(|message| message.arrive_us.min(plot.now_us) >= plot.start_us)
                .filter_map(|message| {
                    let (kind, response, success, _) = classify(&message.packet);
                    (!(hide_heartbeats && kind == MessageKind::Heartbeat)).then(|| Drawn {
                        style: Style {
                            kind,
                            response,
                            lost: message.lost.is_some(),
                            duplicate: message.duplicate_of.is_some(),
                        },
                        id: message.id,
                        refused: success == Some(false) && message.lost.is_none(),
                        ends: ends(plot, message),
                    })
                }),
        );
        sort_by_style(drawn);
        context.save();
        context.begin_path();
        context.rect(
            plot.left,
            plot.top - 2.0,
            plot.right - plot.left,
            plot.bottom - plot.top + 4.0,
        );
        context.clip();
        if let Selection::Message(id) = selection
            && let Some(message) = drawn.iter().find(|message| message.id == id)
        {
            let (x1, y1, x2, y2) = message.ends;
            context.set_stroke_style_str(plot.palette.selection);
            context.set_line_width(6.0);
            context.set_global_alpha(0.45);
            context.begin_path();
            context.move_to(x1, y1);
            context.line_to(x2, y2);
            context.stroke();
            context.set_global_alpha(1.0);
        }
        PATH.with_borrow_mut(|path| {
            for batch in drawn.chunk_by(|a, b| a.style.rank() == b.style.rank()) {
                draw_batch(plot, batch, path);
            }
            draw_refusals(plot, drawn, path);
        });
        context.restore();
    });
}

/// Orders `drawn` by style, equal styles in their order, as a stable `sort_by_key` would: a
/// counting sort over the few ranks, through reused scratch space, so a frame allocates
/// nothing for it and the page's wasm carries no sort of its own for `Drawn`.
fn sort_by_style(drawn: &mut [Drawn]) {
    // Where each rank's messages start: counted one slot up, then summed.
    let mut next = [0usize; Style::RANKS + 1];
    for message in drawn.iter() {
        next[message.style.rank() as usize + 1] += 1;
    }
    for rank in 1..=Style::RANKS {
        next[rank] += next[rank - 1];
    }
    UNSORTED.with_borrow_mut(|unsorted| {
        unsorted.clear();
        unsorted.extend_from_slice(drawn);
        for message in unsorted.iter() {
            let slot = &mut next[message.style.rank() as usize];
            drawn[*slot] = *message;
            *slot += 1;
        }
    });
}

/// How a batch of messages is drawn.
#[derive(Clone, Copy, Debug)]
struct Style {
    kind: MessageKind,
    response: bool,
    lost: bool,
    /// A copy made by the network or a person: drawn as two thin parallel lines.
    duplicate: bool,
}

impl Style {
    /// How many ranks there are: `rank` is below this.
    const RANKS: usize = MessageKind::ALL.len() << 3;

    /// Orders batches: by kind, then requests before answers, then delivered before lost, then
    /// originals before duplicates. The kinds' order is their declaration order, as their
    /// derived `Ord`.
    fn rank(self) -> u64 {
        (self.kind as u64) << 3
            | u64::from(self.response) << 2
            | u64::from(self.lost) << 1
            | u64::from(self.duplicate)
    }

    fn line_width(self) -> f64 {
        match (self.kind, self.response) {
            (MessageKind::Heartbeat, false) => 1.1,
            (MessageKind::Heartbeat, true) => 0.8,
            (_, false) => 1.8,
            (_, true) => 1.1,
        }
    }

    /// The width of each stroke: a duplicate's two lines are thinner than one.
    fn stroke_width(self) -> f64 {
        if self.duplicate {
            (self.line_width() * 0.6).max(0.8)
        } else {
            self.line_width()
        }
    }

    fn dash(self) -> &'static [f64] {
        if self.lost { &[5.0, 4.0] } else { &[] }
    }
}

/// Where a message's line starts and where it ends now: at its arrival, at "now" while in
/// flight, or short of the receiver if lost.
fn ends(plot: &Plot, message: &InFlight) -> (f64, f64, f64, f64) {
    let (x1, x2) = (plot.x_of(message.from), plot.x_of(message.to));
    let span = message.arrive_us.saturating_sub(message.sent_us).max(1) as f64;
    let progress = (plot.now_us.saturating_sub(message.sent_us) as f64 / span).clamp(0.0, 1.0);
    let reach = if message.lost.is_some() {
        progress.min(LOST_AT)
    } else {
        progress
    };
    let end_us = message.sent_us as f64 + span * reach;
    let y1 = plot.y_of(message.sent_us);
    let y2 = plot.top
        + (end_us - plot.start_us as f64) / (plot.end_us - plot.start_us) as f64
            * (plot.bottom - plot.top);
    (x1, y1, x1 + (x2 - x1) * reach, y2)
}

/// Messages of one style: their lines in one stroke, then their heads (or crosses) in one more.
fn draw_batch(plot: &Plot, batch: &[Drawn], path: &mut PathText) {
    let Some(first) = batch.first() else {
        return;
    };
    let style = first.style;
    path.clear();
    for message in batch {
        line(path, message.ends, style.duplicate);
    }
    let context = plot.context;
    let colour = message_colour(style.kind);
    context.set_stroke_style_str(colour);
    context.set_fill_style_str(colour);
    context.set_global_alpha(if style.kind == MessageKind::Heartbeat {
        0.5
    } else {
        1.0
    });
    path.paint(context, Paint::Stroke, style.stroke_width(), style.dash());
    path.clear();
    for message in batch {
        let (x1, y1, x2, y2) = message.ends;
        if style.lost {
            cross(path, x2, y2);
        } else {
            head(path, x1, y1, x2, y2, style.response);
        }
    }
    if style.lost {
        context.set_stroke_style_str(plot.palette.failure);
        path.paint(context, Paint::Stroke, 1.8, &[]);
    } else if style.response {
        path.paint(context, Paint::Stroke, style.line_width(), &[]);
    } else {
        path.paint(context, Paint::Fill, 0.0, &[]);
    }
    context.set_global_alpha(1.0);
}

/// How far apart a duplicate's two lines are.
const DUPLICATE_SPACING: f64 = 3.5;

/// A message's line from (`x1`, `y1`) to (`x2`, `y2`); doubled for a duplicate.
fn line(path: &mut PathText, (x1, y1, x2, y2): (f64, f64, f64, f64), doubled: bool) {
    if !doubled {
        path.move_to(x1, y1);
        path.line_to(x2, y2);
        return;
    }
    let (px, py) = crate::view::sideways((x1, y1), (x2, y2), DUPLICATE_SPACING / 2.0);
    for side in [-1.0, 1.0] {
        path.move_to(x1 + side * px, y1 + side * py);
        path.line_to(x2 + side * px, y2 + side * py);
    }
}

/// An arrowhead at (`x2`, `y2`) pointing along the line: closed for requests, open for answers.
fn head(path: &mut PathText, x1: f64, y1: f64, x2: f64, y2: f64, open: bool) {
    let length = ((x2 - x1).powi(2) + (y2 - y1).powi(2)).sqrt();
    if length < 3.0 {
        return;
    }
    let (ux, uy) = ((x2 - x1) / length, (y2 - y1) / length);
    let size = if open { 6.0 } else { 7.0 };
    let (bx, by) = (x2 - ux * size, y2 - uy * size);
    let (px, py) = (-uy * size * 0.45, ux * size * 0.45);
    path.move_to(bx + px, by + py);
    path.line_to(x2, y2);
    path.line_to(bx - px, by - py);
    if !open {
        path.close();
    }
}

fn cross(path: &mut PathText, x: f64, y: f64) {
    path.move_to(x - 4.0, y - 4.0);
    path.line_to(x + 4.0, y + 4.0);
    path.move_to(x + 4.0, y - 4.0);
    path.line_to(x - 4.0, y + 4.0);
}

/// A red dot where a refusal (vote refused, append rejected) arrives.
fn draw_refusals(plot: &Plot, drawn: &[Drawn], path: &mut PathText) {
    path.clear();
    for message in drawn.iter().filter(|message| message.refused) {
        let (_, _, x, y) = message.ends;
        path.dot(x, y, 3.0);
    }
    if !path.is_empty() {
        plot.context.set_fill_style_str(plot.palette.failure);
        path.paint(plot.context, Paint::Fill, 0.0, &[]);
    }
}

fn draw_header(plot: &Plot, simulation: &Simulation, selection: Selection) {
    let context = plot.context;
    let y = HEADER_HEIGHT / 2.0 - 2.0;
    context.set_text_align("center");
    context.set_font("11px system-ui, sans-serif");
    context.set_fill_style_str(plot.palette.muted);
    let _ = context.fill_text("clients", plot.column_x(0), y + 4.0);
    for (column, server) in simulation.servers().enumerate() {
        let x = plot.column_x(column + 1);
        let look = plot.looks[column];
        context.set_fill_style_str(node_fill(look));
        context.begin_path();
        let _ = context.arc(x, y, 13.0, 0.0, std::f64::consts::TAU);
        context.fill();
        if selection == Selection::Node(server.id) {
            context.set_stroke_style_str(plot.palette.selection);
            context.set_line_width(3.0);
            context.stroke();
        }
        context.set_font("600 11px system-ui, sans-serif");
        context.set_fill_style_str(plot.palette.node_label(look));
        with_text(
            |text| {
                let _ = write!(text, "S{}", server.id);
            },
            |text| context.fill_text(text, x, y + 4.0),
        )
        .ok();
    }
}

fn text_width(context: &Context, text: &str) -> f64 {
    context
        .measure_text(text)
        .map_or(text.len() as f64 * 6.0, |metrics| metrics.width())
}

/// One entry of the legend under the plot.
#[derive(Clone, Copy)]
enum LegendItem {
    Kind(MessageKind),
    /// A sample line: its label, and whether it is an answer, lost, a duplicate.
    Line(&'static str, bool, bool, bool),
    Refused,
    Leading,
}

const LEGEND_ITEMS: [LegendItem; 14] = [
    LegendItem::Kind(MessageKind::PreVote),
    LegendItem::Kind(MessageKind::RequestVote),
    LegendItem::Kind(MessageKind::AppendEntries),
    LegendItem::Kind(MessageKind::Heartbeat),
    LegendItem::Kind(MessageKind::InstallSnapshot),
    LegendItem::Kind(MessageKind::TimeoutNow),
    LegendItem::Kind(MessageKind::ReadIndex),
    LegendItem::Kind(MessageKind::Client),
    LegendItem::Line("request", false, false, false),
    LegendItem::Line("answer", true, false, false),
    LegendItem::Line("lost", false, true, false),
    LegendItem::Line("duplicate", false, false, true),
    LegendItem::Refused,
    LegendItem::Leading,
];

/// The legend's rows are this far apart; the legend wraps to as many as it needs.
const LEGEND_ROW_HEIGHT: f64 = 16.0;
/// Room kept free at the right of the legend for the view's options over the canvas
/// (`toolbar::view_options`, the Heartbeats toggle).
const VIEW_OPTIONS_WIDTH: f64 = 112.0;
const LEGEND_GAP: f64 = 14.0;

impl LegendItem {
    fn label(self) -> &'static str {
        match self {
            LegendItem::Kind(kind) => kind.label(),
            LegendItem::Line(label, ..) => label,
            LegendItem::Refused => "refused or rejected",
            LegendItem::Leading => "leading",
        }
    }

    /// Where the label starts, after the item's mark.
    fn label_offset(self) -> f64 {
        match self {
            LegendItem::Kind(_) => 18.0,
            LegendItem::Line(..) => 32.0,
            LegendItem::Refused => 10.0,
            LegendItem::Leading => 9.0,
        }
    }
}

/// The legend's rows for a canvas `width` wide, from the last frame's if the width is the same.
fn legend_layout(context: &Context, width: f64) -> LegendLayout {
    LEGEND.with_borrow_mut(|cached| match cached {
        Some((laid_out_for, layout)) if *laid_out_for == width => *layout,
        _ => {
            let layout = lay_out_legend(context, width);
            *cached = Some((width, layout));
            layout
        }
    })
}

fn lay_out_legend(context: &Context, width: f64) -> LegendLayout {
    context.set_font("11px system-ui, sans-serif");
    let limit = (width - VIEW_OPTIONS_WIDTH).max(160.0);
    let mut places = [(0.0, 0); LEGEND_ITEMS.len()];
    let (mut x, mut row) = (8.0, 0);
    for (place, item) in places.iter_mut().zip(LEGEND_ITEMS) {
        let item_width = item.label_offset() + text_width(context, item.label());
        if x > 8.0 && x + item_width > limit {
            (x, row) = (8.0, row + 1);
        }
        *place = (x, row);
        x += item_width + LEGEND_GAP;
    }
    let rows = places.last().map_or(1, |&(_, row)| row + 1);
    (places, rows as f64 * LEGEND_ROW_HEIGHT + 8.0)
}

fn draw_legend(plot: &Plot, places: &[(f64, usize)], top: f64) {
    let context = plot.context;
    context.set_font("11px system-ui, sans-serif");
    context.set_text_align("left");
    PATH.with_borrow_mut(|path| {
        for (&(x, row), item) in places.iter().zip(LEGEND_ITEMS) {
            let y = top + 16.0 + row as f64 * LEGEND_ROW_HEIGHT;
            draw_legend_mark(plot, path, item, x, y);
            context.set_fill_style_str(plot.palette.muted);
            let _ = context.fill_text(item.label(), x + item.label_offset(), y);
        }
    });
}

fn draw_legend_mark(plot: &Plot, path: &mut PathText, item: LegendItem, x: f64, y: f64) {
    let context = plot.context;
    match item {
        LegendItem::Kind(kind) => {
            context.set_fill_style_str(message_colour(kind));
            context.fill_rect(x, y - 4.0, 14.0, 3.0);
        }
        LegendItem::Line(_, response, lost, duplicate) => {
            context.set_stroke_style_str(plot.palette.muted);
            context.set_fill_style_str(plot.palette.muted);
            let style = Style {
                kind: MessageKind::Heartbeat,
                response,
                lost,
                duplicate,
            };
            path.clear();
            line(path, (x, y - 3.0, x + 22.0, y - 3.0), duplicate);
            path.paint(context, Paint::Stroke, style.stroke_width(), style.dash());
            path.clear();
            if lost {
                cross(path, x + 24.0, y - 3.0);
                context.set_stroke_style_str(plot.palette.failure);
                path.paint(context, Paint::Stroke, 1.8, &[]);
            } else {
                head(path, x, y - 3.0, x + 26.0, y - 3.0, response);
                let paint = if response { Paint::Stroke } else { Paint::Fill };
                path.paint(context, paint, style.line_width(), &[]);
            }
        }
        LegendItem::Refused => {
            context.set_fill_style_str(plot.palette.failure);
            context.begin_path();
            let _ = context.arc(x + 3.0, y - 3.0, 3.0, 0.0, std::f64::consts::TAU);
            context.fill();
        }
        LegendItem::Leading => {
            context.set_fill_style_str(node_fill(NodeLook::Leader));
            context.set_global_alpha(0.55);
            context.fill_rect(x, y - 6.0, 5.0, 8.0);
            context.set_global_alpha(1.0);
        }
    }
}
