//! Drawing the cluster ring: a pure function from view data (and layout) to canvas calls.

use std::cell::RefCell;
use std::fmt::Write;

use litemap::LiteMap;
use wasm_bindgen::JsValue;
use web_sys::CanvasRenderingContext2d as Context;

use super::engine::Selection;
use super::palette::{Palette, message_colour, node_fill};
use crate::raft::NodeId;
use crate::sim::network::Endpoint;
use crate::view::{
    BADGE_RADIUS, Bounds, CAPTION_LINE_HEIGHT, Caption, CaptionSide, ClusterView,
    DETAILED_CAPTION_WIDTH, MarkShape, MessageKind, MessageView, NODE_HALO, NodeLabels, NodeLook,
    TIMER_ARC_GAP, TIMER_ARC_WIDTH, badge_bounds, neighbour_distance, node_labels, place_badge,
    place_caption, ring_geometry, ring_position,
};

thread_local! {
    /// Reused for the labels every canvas draws each frame, so drawing them does not allocate.
    pub(super) static TEXT: RefCell<String> = RefCell::new(String::with_capacity(64));
    /// The boxes of the captions drawn so far in this frame.
    static CAPTIONS_PLACED: RefCell<Vec<Bounds>> = const { RefCell::new(Vec::new()) };
}

/// Writes a label into the reused `TEXT` with `write` and hands it to `use_text`.
pub(super) fn with_text<R>(write: impl FnOnce(&mut String), use_text: impl FnOnce(&str) -> R) -> R {
    TEXT.with_borrow_mut(|text| {
        text.clear();
        write(text);
        use_text(text)
    })
}

/// Where everything sits on the canvas, in CSS pixels.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub center: (f64, f64),
    /// The ring the nodes sit on (a dragged node leaves it; the ring stays).
    pub ring_radius: f64,
    pub node_radius: f64,
    /// The distance between neighbours on the ring: a caption under a node wider than this
    /// would run into the next node's, so it wraps.
    pub caption_width: f64,
    pub nodes: NodePoints,
    /// Where a node's name and term go inside it, and their sizes (`view::node_labels`).
    labels: NodeLabels,
    /// The fonts of a node's name and term, which scale with the nodes (built once a frame).
    name_font: String,
    term_font: String,
}

/// Each node's centre, by id. A cluster has a few nodes: a sorted `Vec` (`LiteMap`) costs the
/// page less code than a B-tree.
pub type NodePoints = LiteMap<NodeId, (f64, f64)>;

impl Layout {
    /// Nodes evenly on a ring; `dragged` overrides the position of a node being dragged.
    pub fn new(
        view: &ClusterView,
        width: f64,
        height: f64,
        dragged: Option<(NodeId, f64, f64)>,
    ) -> Self {
        let count = view.nodes.len();
        let (center, ring_radius, node_radius) = ring_geometry(count, width, height);
        let mut nodes = NodePoints::default();
        for (index, node) in view.nodes.iter().enumerate() {
            let position = ring_position(index, count, center.0, center.1, ring_radius);
            nodes.insert(node.id, position);
        }
        if let Some((id, x, y)) = dragged {
            nodes.insert(id, (x, y));
        }
        let labels = node_labels(node_radius);
        Layout {
            width,
            height,
            center,
            ring_radius,
            node_radius,
            caption_width: neighbour_distance(count, ring_radius).min(width),
            nodes,
            labels,
            name_font: format!("600 {}px system-ui, sans-serif", labels.name_px),
            term_font: format!("{}px system-ui, sans-serif", labels.term_px),
        }
    }

    /// Where node `id` is; every node of the view the layout was made for has a place.
    fn node_at(&self, id: NodeId) -> (f64, f64) {
        *self
            .nodes
            .get(&id)
            .expect("the layout places every node of its view")
    }

    /// A phone-sized canvas: captions shrink and the legend moves to the Help panel.
    pub fn is_narrow(&self) -> bool {
        self.width < crate::view::CAPTIONED_CANVAS.0
            || self.height < crate::view::CAPTIONED_CANVAS.1
    }

    /// Where an endpoint is drawn: a node's centre, or the clients' hub in the middle.
    pub fn point(&self, endpoint: Endpoint) -> (f64, f64) {
        match endpoint {
            Endpoint::Node(id) => self.nodes.get(&id).copied().unwrap_or(self.center),
            Endpoint::Client(_) => self.center,
        }
    }

    /// Where a message is now: along the line between its ends, stopping at the rims.
    pub fn message_point(&self, message: &MessageView) -> (f64, f64) {
        let (x1, y1) = self.point(message.from);
        let (x2, y2) = self.point(message.to);
        let length = ((x2 - x1).powi(2) + (y2 - y1).powi(2)).sqrt().max(1.0);
        let rim = (self.node_radius / length).min(0.45);
        let t = rim + (1.0 - 2.0 * rim) * message.progress;
        (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t)
    }
}

/// What a point on the canvas is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    Node(NodeId),
    Message(u64),
}

/// The node or message at (`x`, `y`), if any; messages win over nodes (they are smaller).
pub fn hit_test(view: &ClusterView, layout: &Layout, x: f64, y: f64) -> Option<Hit> {
    let near =
        |(px, py): (f64, f64), radius: f64| (px - x).powi(2) + (py - y).powi(2) <= radius * radius;
    let message = view
        .messages
        .iter()
        .rev()
        .find(|message| message.lost.is_none() && near(layout.message_point(message), 9.0));
    if let Some(message) = message {
        return Some(Hit::Message(message.id));
    }
    view.nodes
        .iter()
        .find(|node| near(layout.node_at(node.id), layout.hit_radius()))
        .map(|node| Hit::Node(node.id))
}

pub struct Scene<'a> {
    pub view: &'a ClusterView,
    pub layout: &'a Layout,
    pub palette: &'a Palette,
    pub selection: Selection,
    /// With reduced motion, messages are drawn as arrows at their destination instead of
    /// marks moving along the line.
    pub reduced_motion: bool,
    /// Drag-to-partition in progress: where the dragged node would land, to show what
    /// letting go does.
    pub landing: Option<(NodeId, Landing)>,
}

/// Where a dragged node is let go, and so what happens to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Landing {
    /// Near where it was: nothing (it was a click).
    Stay,
    /// On another node: it joins that node's group.
    Join(NodeId),
    /// In open space: it is cut off in a group of its own.
    Alone,
    /// Off the canvas: the drag is called off.
    Outside,
}

impl Layout {
    /// Where node `dragged`, let go at (`x`, `y`), lands. The layout places it at the pointer;
    /// every other node is where the ring put it.
    pub fn landing(&self, dragged: NodeId, x: f64, y: f64) -> Landing {
        if !(0.0..=self.width).contains(&x) || !(0.0..=self.height).contains(&y) {
            return Landing::Outside;
        }
        let near = |(nx, ny): (f64, f64), reach: f64| (nx - x).hypot(ny - y) <= reach;
        let onto = self
            .nodes
            .iter()
            .find(|&(&id, &centre)| id != dragged && near(centre, self.hit_radius()));
        if let Some((&id, _)) = onto {
            return Landing::Join(id);
        }
        match self.ring_home(dragged) {
            // Let go where a press on it would have been a click: it was one.
            Some(home) if near(home, self.hit_radius()) => Landing::Stay,
            _ => Landing::Alone,
        }
    }

    /// How far from a node's centre a press or a drop still counts as on it.
    pub fn hit_radius(&self) -> f64 {
        self.node_radius + 4.0
    }

    /// Where the ring places `id` when it is not being dragged.
    fn ring_home(&self, id: NodeId) -> Option<(f64, f64)> {
        let index = self.nodes.iter().position(|(&each, _)| each == id)?;
        let (cx, cy) = self.center;
        Some(ring_position(
            index,
            self.nodes.len(),
            cx,
            cy,
            self.ring_radius,
        ))
    }
}

pub fn draw(context: &Context, scene: &Scene) {
    let Scene {
        layout, palette, ..
    } = scene;
    context.set_fill_style_str(palette.background);
    context.fill_rect(0.0, 0.0, layout.width, layout.height);
    draw_ring(context, scene);
    draw_blocked(context, scene);
    draw_slow(context, scene);
    if let Some((dragged, landing)) = scene.landing {
        draw_landing(context, scene, dragged, landing);
    }
    draw_clients_hub(context, scene);
    for message in &scene.view.messages {
        draw_message(context, scene, message);
    }
    // Each caption keeps clear of those placed before it (a buffer kept between frames).
    CAPTIONS_PLACED.with_borrow_mut(|captions| {
        captions.clear();
        for node in &scene.view.nodes {
            draw_node(context, scene, node, captions);
        }
        // Group badges last: each keeps clear of every caption, and of the badges before it.
        for node in &scene.view.nodes {
            if let Some(group) = node.group {
                draw_group_badge(context, scene, node.id, group, captions);
            }
        }
    });
    if !scene.layout.is_narrow() {
        draw_legend(context, scene); // On a phone the Help panel carries the legend.
    }
}

fn draw_ring(context: &Context, scene: &Scene) {
    if scene.view.nodes.is_empty() {
        return;
    }
    let (cx, cy) = scene.layout.center;
    context.set_stroke_style_str(scene.palette.ring);
    context.set_line_width(1.0);
    context.begin_path();
    let _ = context.arc(cx, cy, scene.layout.ring_radius, 0.0, std::f64::consts::TAU);
    context.stroke();
}

/// Sets the line dash (`&[]`: solid) for what is stroked next.
pub(super) fn dashed(context: &Context, pattern: &[f64]) {
    let array = js_sys::Array::new();
    for value in pattern {
        array.push(&JsValue::from_f64(*value));
    }
    let _ = context.set_line_dash(&array);
}

/// Blocked links as faint dashed lines, all in one path (a link cut both ways is one line),
/// then a mark at the receiving end of each one-way cut (messages lost one way only), so it
/// does not look like a partition.
fn draw_blocked(context: &Context, scene: &Scene) {
    let blocked = &scene.view.blocked;
    if blocked.is_empty() {
        return;
    }
    let ends = |&(from, to): &(NodeId, NodeId)| {
        (
            scene.layout.point(Endpoint::Node(from)),
            scene.layout.point(Endpoint::Node(to)),
        )
    };
    context.set_stroke_style_str(scene.palette.blocked);
    context.set_line_width(1.5);
    context.set_global_alpha(scene.palette.blocked_alpha);
    dashed(context, &[4.0, 5.0]);
    context.begin_path();
    for link in blocked {
        let both_ways = blocked.contains(&(link.1, link.0));
        if both_ways && link.0 > link.1 {
            continue; // Both directions cut: one line.
        }
        let (start, end) = ends(link);
        context.move_to(start.0, start.1);
        context.line_to(end.0, end.1);
    }
    context.stroke();
    dashed(context, &[]);
    for link in blocked {
        if !blocked.contains(&(link.1, link.0)) {
            let (start, end) = ends(link);
            draw_one_way_mark(context, scene, start, end);
        }
    }
    context.set_global_alpha(1.0);
}

/// Slow links: a faint line with the added latency beside it, near the receiving end (whose
/// arrivals it delays) and on the right of the way messages go, so the way back has the other
/// side. Otherwise only the messages' pace would show it.
fn draw_slow(context: &Context, scene: &Scene) {
    if scene.view.slow.is_empty() {
        return;
    }
    context.set_stroke_style_str(scene.palette.muted);
    context.set_fill_style_str(scene.palette.muted);
    context.set_line_width(1.0);
    context.set_global_alpha(0.5);
    context.begin_path();
    for &((from, to), _) in &scene.view.slow {
        let (x1, y1) = scene.layout.point(Endpoint::Node(from));
        let (x2, y2) = scene.layout.point(Endpoint::Node(to));
        context.move_to(x1, y1);
        context.line_to(x2, y2);
    }
    context.stroke();
    context.set_global_alpha(1.0);
    context.set_font("600 11px system-ui, sans-serif");
    context.set_text_align("center");
    for &((from, to), extra_us) in &scene.view.slow {
        let (x1, y1) = scene.layout.point(Endpoint::Node(from));
        let (x2, y2) = scene.layout.point(Endpoint::Node(to));
        let length = ((x2 - x1).powi(2) + (y2 - y1).powi(2)).sqrt().max(1.0);
        let (ux, uy) = ((x2 - x1) / length, (y2 - y1) / length);
        let (x, y) = (
            x1 + (x2 - x1) * 0.65 - uy * 10.0,
            y1 + (y2 - y1) * 0.65 + ux * 10.0,
        );
        with_text(
            |text| {
                let _ = write!(text, "+{}", crate::view::format_duration(extra_us));
            },
            |text| context.fill_text(text, x, y + 4.0),
        )
        .ok();
    }
}

/// By the receiving end of a one-way cut, just outside its node: an arrowhead pointing along
/// the lost direction into a "⊘".
fn draw_one_way_mark(context: &Context, scene: &Scene, (x1, y1): (f64, f64), (x2, y2): (f64, f64)) {
    const SIGN_RADIUS: f64 = 6.0;
    const HEAD_LENGTH: f64 = 9.0;
    // Node captions sit below the nodes: a cut arriving from below stops short of them.
    const CAPTION_CLEARANCE: f64 = 18.0;
    let length = ((x2 - x1).powi(2) + (y2 - y1).powi(2)).sqrt();
    if length < 1.0 {
        return;
    }
    let (ux, uy) = ((x2 - x1) / length, (y2 - y1) / length);
    let back = scene.layout.node_radius
        + NODE_HALO
        + 4.0
        + SIGN_RADIUS
        + CAPTION_CLEARANCE * (-uy).max(0.0);
    if length < 2.0 * back + HEAD_LENGTH {
        return; // A dragged node on top of its peer: no room for the mark.
    }
    let (cx, cy) = (x2 - ux * back, y2 - uy * back);
    context.set_global_alpha(0.9);
    context.set_stroke_style_str(scene.palette.blocked);
    context.set_fill_style_str(scene.palette.blocked);
    context.set_line_width(2.0);
    context.begin_path();
    let _ = context.arc(cx, cy, SIGN_RADIUS, 0.0, std::f64::consts::TAU);
    let slash = SIGN_RADIUS * std::f64::consts::FRAC_1_SQRT_2;
    context.move_to(cx - slash, cy + slash);
    context.line_to(cx + slash, cy - slash);
    context.stroke();
    // The arrowhead's tip touches the sign.
    let tip = (cx - ux * (SIGN_RADIUS + 1.0), cy - uy * (SIGN_RADIUS + 1.0));
    fill_arrowhead(context, tip, (ux, uy), HEAD_LENGTH, 0.5);
}

/// A filled triangle with its tip at `tip`, pointing along the unit vector `(ux, uy)`, `length`
/// long and `length * spread` wide on each side (in the current fill style).
fn fill_arrowhead(
    context: &Context,
    tip: (f64, f64),
    (ux, uy): (f64, f64),
    length: f64,
    spread: f64,
) {
    let (base_x, base_y) = (tip.0 - ux * length, tip.1 - uy * length);
    let (px, py) = (-uy * length * spread, ux * length * spread);
    context.begin_path();
    context.move_to(tip.0, tip.1);
    context.line_to(base_x + px, base_y + py);
    context.line_to(base_x - px, base_y - py);
    context.close_path();
    context.fill();
}

/// What letting go of the dragged node would do: a dashed ring around the node it would join,
/// or around itself when it would be cut off, with a word under the pointer.
fn draw_landing(context: &Context, scene: &Scene, dragged: NodeId, landing: Landing) {
    let layout = scene.layout;
    let ringed = match landing {
        Landing::Stay | Landing::Outside => return,
        Landing::Join(target) => target,
        Landing::Alone => dragged,
    };
    let Some(&(x, y)) = layout.nodes.get(&ringed) else {
        return;
    };
    context.set_stroke_style_str(scene.palette.selection);
    context.set_line_width(2.0);
    dashed(context, &[6.0, 4.0]);
    context.begin_path();
    let _ = context.arc(x, y, layout.node_radius + 12.0, 0.0, std::f64::consts::TAU);
    context.stroke();
    dashed(context, &[]);
    if let Some(&(px, py)) = layout.nodes.get(&dragged) {
        // Above the node, kept inside the canvas near its edges (the words are ~100 px wide).
        let half_width = 56.0_f64.min(layout.width / 2.0);
        let px = px.clamp(half_width, layout.width - half_width);
        let py = (py - layout.node_radius - 16.0).max(14.0);
        context.set_fill_style_str(scene.palette.selection);
        context.set_font("600 12px system-ui, sans-serif");
        context.set_text_align("center");
        with_text(
            |text| match landing {
                Landing::Join(target) => {
                    let _ = write!(text, "join S{target}'s group");
                }
                _ => text.push_str("cut off alone"),
            },
            |text| context.fill_text(text, px, py),
        )
        .ok();
    }
}

/// How far the nodes' inner edges must be from the ring's centre for the "clients" label.
const CLIENTS_LABEL_ROOM: f64 = 30.0;

fn draw_clients_hub(context: &Context, scene: &Scene) {
    // In a ring too small for it (a small embed's), the word would sit on the nodes.
    if scene.layout.ring_radius - scene.layout.node_radius < CLIENTS_LABEL_ROOM {
        return;
    }
    let (cx, cy) = scene.layout.center;
    context.set_fill_style_str(scene.palette.muted);
    context.set_font("11px system-ui, sans-serif");
    context.set_text_align("center");
    let _ = context.fill_text("clients", cx, cy + 4.0);
}

fn draw_message(context: &Context, scene: &Scene, message: &MessageView) {
    let colour = message_colour(message.kind);
    let fading = message.lost.is_some();
    if fading && message.progress > 0.5 {
        return; // A lost message vanishes halfway.
    }
    // With reduced motion the mark stays put on an arrow, past the middle towards its
    // receiver, so that a request and its answer on one link sit apart.
    let (x, y) = if scene.reduced_motion {
        scene.layout.message_point(&MessageView {
            progress: REDUCED_MOTION_PROGRESS,
            ..message.clone()
        })
    } else {
        scene.layout.message_point(message)
    };
    // One on its way over a link cut since it left is lost when it arrives (unless the link
    // heals first): drawn faded too, but all the way, since its fate is not sealed.
    context.set_global_alpha(if fading || message.over_a_cut {
        0.55
    } else {
        1.0
    });
    if scene.reduced_motion {
        draw_arrow(context, scene, message, colour);
    }
    draw_mark(context, message, x, y, colour);
    if message.duplicate {
        // In the text colour: a heartbeat's pale grey would not read as a badge.
        draw_duplicate_badge(context, x, y, scene.palette.text);
    }
    if fading {
        draw_cross(context, x, y, scene.palette.failure);
    }
    if let Some(success) = message.success.filter(|_| message.response) {
        context.set_fill_style_str(if success {
            scene.palette.success
        } else {
            scene.palette.failure
        });
        context.begin_path();
        let _ = context.arc(x + 5.0, y - 5.0, 2.5, 0.0, std::f64::consts::TAU);
        context.fill();
    }
    if scene.selection == Selection::Message(message.id) {
        context.set_stroke_style_str(scene.palette.selection);
        context.set_line_width(2.0);
        context.begin_path();
        let _ = context.arc(x, y, 11.0, 0.0, std::f64::consts::TAU);
        context.stroke();
    }
    context.set_global_alpha(1.0);
}

/// One mark per message kind: shape tells the kind apart even without colour. A duplicate
/// (a copy the network or a person made) has a second outline of its shape behind it, offset
/// down and to the left, like a stack of two.
fn draw_mark(context: &Context, message: &MessageView, x: f64, y: f64, colour: &str) {
    context.set_fill_style_str(colour);
    context.set_stroke_style_str(colour);
    if message.duplicate {
        context.set_line_width(1.5);
        trace_mark(context, message, x - DUPLICATE_OFFSET, y + DUPLICATE_OFFSET);
        context.stroke();
    }
    context.set_line_width(2.0);
    trace_mark(context, message, x, y);
    if message.response || message.kind == MessageKind::PreVote {
        context.stroke(); // Answers (and pre-votes) are drawn hollow.
    } else {
        context.fill();
    }
}

/// "×2" beside a duplicate's mark, below and to the right (an answer's dot is above).
fn draw_duplicate_badge(context: &Context, x: f64, y: f64, colour: &str) {
    context.set_fill_style_str(colour);
    context.set_font(DUPLICATE_BADGE_FONT);
    context.set_text_align("left");
    let _ = context.fill_text(DUPLICATE_BADGE, x + 6.0, y + 13.0);
}

const DUPLICATE_BADGE: &str = "×2";
const DUPLICATE_BADGE_FONT: &str = "700 10px system-ui, sans-serif";

/// How far a duplicate's second outline sits from its mark, down and to the left.
const DUPLICATE_OFFSET: f64 = 4.0;

/// Begins a path of the message's shape at (`x`, `y`), for `draw_mark` to fill or stroke.
fn trace_mark(context: &Context, message: &MessageView, x: f64, y: f64) {
    context.begin_path();
    let size = match message.kind {
        MessageKind::AppendEntries => 5.0 + (message.entries as f64).min(8.0) * 0.6,
        MessageKind::Heartbeat => 3.5,
        _ => 5.5,
    };
    match message.kind.shape() {
        MarkShape::Circle => {
            let _ = context.arc(x, y, size, 0.0, std::f64::consts::TAU);
        }
        MarkShape::Polygon(corners) => {
            for &(cx, cy) in corners {
                context.line_to(x + cx * size, y + cy * size);
            }
            context.close_path();
        }
    }
}

/// Where a message's mark sits on its arrow when motion is reduced (0: sender, 1: receiver).
const REDUCED_MOTION_PROGRESS: f64 = 0.65;

/// With reduced motion, a line from sender to receiver with a head at the receiver; a
/// duplicate's line is doubled, as in the space-time view.
fn draw_arrow(context: &Context, scene: &Scene, message: &MessageView, colour: &str) {
    const HEAD_LENGTH: f64 = 8.0;
    let (x1, y1) = scene.layout.point(message.from);
    let (x2, y2) = scene.layout.message_point(&MessageView {
        progress: 1.0,
        ..message.clone()
    });
    context.set_stroke_style_str(colour);
    context.set_fill_style_str(colour);
    context.begin_path();
    if message.duplicate {
        let (px, py) = crate::view::sideways((x1, y1), (x2, y2), 1.5);
        context.set_line_width(1.0);
        for side in [-1.0, 1.0] {
            context.move_to(x1 + side * px, y1 + side * py);
            context.line_to(x2 + side * px, y2 + side * py);
        }
    } else {
        context.set_line_width(1.5);
        context.move_to(x1, y1);
        context.line_to(x2, y2);
    }
    context.stroke();
    let length = ((x2 - x1).powi(2) + (y2 - y1).powi(2)).sqrt();
    if length < 2.0 * HEAD_LENGTH {
        return;
    }
    let direction = ((x2 - x1) / length, (y2 - y1) / length);
    fill_arrowhead(context, (x2, y2), direction, HEAD_LENGTH, 0.45);
}

fn draw_cross(context: &Context, x: f64, y: f64, colour: &str) {
    context.set_stroke_style_str(colour);
    context.set_line_width(2.0);
    context.begin_path();
    context.move_to(x - 5.0, y - 5.0);
    context.line_to(x + 5.0, y + 5.0);
    context.move_to(x + 5.0, y - 5.0);
    context.line_to(x - 5.0, y + 5.0);
    context.stroke();
}

fn draw_node(
    context: &Context,
    scene: &Scene,
    node: &crate::view::NodeView,
    captions: &mut Vec<Bounds>,
) {
    let (x, y) = scene.layout.node_at(node.id);
    let radius = scene.layout.node_radius;
    let palette = scene.palette;
    if scene.view.flagged.contains(&node.id) {
        context.set_fill_style_str(palette.violation);
        context.set_global_alpha(0.3);
        context.begin_path();
        let _ = context.arc(x, y, radius + 12.0, 0.0, std::f64::consts::TAU);
        context.fill();
        context.set_global_alpha(1.0);
    }
    if let Some(left) = node.timer_left {
        context.set_stroke_style_str(palette.timer);
        context.set_line_width(TIMER_ARC_WIDTH);
        context.begin_path();
        let start = -std::f64::consts::FRAC_PI_2;
        let _ = context.arc(
            x,
            y,
            radius + TIMER_ARC_GAP,
            start,
            start + std::f64::consts::TAU * left,
        );
        context.stroke();
    }
    context.set_fill_style_str(node_fill(node.look));
    context.begin_path();
    let _ = context.arc(x, y, radius, 0.0, std::f64::consts::TAU);
    context.fill();
    if scene.selection == Selection::Node(node.id) {
        context.set_stroke_style_str(palette.selection);
        context.set_line_width(3.0);
        context.stroke();
    }
    context.set_fill_style_str(palette.node_label(node.look));
    context.set_text_align("center");
    let labels = scene.layout.labels;
    context.set_font(&scene.layout.name_font);
    with_text(
        |text| {
            let _ = write!(text, "S{}", node.id);
        },
        |text| context.fill_text(text, x, y + labels.name_baseline),
    )
    .ok();
    if let Some(baseline) = labels.term_baseline {
        context.set_font(&scene.layout.term_font);
        // "term 12" where it fits inside the node, else "t12" (the Help tab says so).
        with_text(
            |text| {
                let _ = write!(text, "term {}", node.term);
                let width = TERM_WIDTHS
                    .with_borrow_mut(|widths| widths.width(context, &scene.layout.term_font, text));
                if width > labels.term_room {
                    text.clear();
                    let _ = write!(text, "t{}", node.term);
                }
            },
            |text| context.fill_text(text, x, y + baseline),
        )
        .ok();
    }
    draw_caption(context, scene, node, (x, y), captions);
}

/// The node's group letter, while the network is split, on a small disc just outside its
/// timer arc (`place_badge` says where), which joins the `placed` boxes: the same letters the
/// Network panel gives the groups.
fn draw_group_badge(
    context: &Context,
    scene: &Scene,
    id: NodeId,
    group: char,
    placed: &mut Vec<Bounds>,
) {
    let layout = scene.layout;
    let (bx, by) = place_badge(
        layout.node_at(id),
        layout.center,
        layout.node_radius,
        layout.nodes.iter().map(|(_, &centre)| centre),
        placed,
        (layout.width, layout.height),
    );
    placed.push(badge_bounds((bx, by)));
    context.set_fill_style_str(scene.palette.text);
    context.begin_path();
    let _ = context.arc(bx, by, BADGE_RADIUS, 0.0, std::f64::consts::TAU);
    context.fill();
    context.set_fill_style_str(scene.palette.background);
    context.set_font("700 11px system-ui, sans-serif");
    context.set_text_align("center");
    let mut buffer = [0; 4];
    let _ = context.fill_text(group.encode_utf8(&mut buffer), bx, by + 4.0);
}

/// Neighbours closer than this leave no room for a word under each node: only the captions of
/// nodes that are not plain followers (whose colour says it) and the selected node's are drawn.
const FOLLOWER_CAPTION_WIDTH: f64 = 56.0;

/// Between the parts of a caption.
const SEPARATOR: &str = " · ";

/// Under each node (or beside it, where the node below would cover it): what it is, whom it
/// voted for, whom it follows, wrapped between those parts when they would run into a
/// neighbour's caption. On a crowded ring only the selected node's caption gives the vote and
/// the leader, and on a very crowded one only nodes that are not plain followers (and the
/// selected node) have a caption (the inspector has the rest).
fn draw_caption(
    context: &Context,
    scene: &Scene,
    node: &crate::view::NodeView,
    (x, y): (f64, f64),
    captions: &mut Vec<Bounds>,
) {
    let layout = scene.layout;
    let selected = scene.selection == Selection::Node(node.id);
    if layout.caption_width < FOLLOWER_CAPTION_WIDTH && node.look == NodeLook::Follower && !selected
    {
        return;
    }
    let crowded = layout.caption_width < DETAILED_CAPTION_WIDTH;
    let detailed = !layout.is_narrow() && (!crowded || selected);
    let vote = node
        .voted_for
        .filter(|_| detailed && node.look != NodeLook::Leader);
    let leader = node
        .leader_id
        .filter(|&leader| detailed && leader != node.id);
    context.set_fill_style_str(scene.palette.muted);
    context.set_font(CAPTION_FONT);
    TEXT.with_borrow_mut(|text| {
        // The text is `role · voted S2 · leader S3`; `parts` are where each part lies in it.
        text.clear();
        text.push_str(node.look.label());
        let mut parts = [(0, text.len()); 3];
        let mut count = 1;
        let details = [
            vote.map(|id| ("voted", id)),
            leader.map(|id| ("leader", id)),
        ];
        for (what, id) in details.into_iter().flatten() {
            text.push_str(SEPARATOR);
            let start = text.len();
            let _ = write!(text, "{what} S{id}");
            parts[count] = (start, text.len());
            count += 1;
        }
        let mut widths = [0.0; 3];
        for (width, &(start, end)) in widths.iter_mut().zip(&parts[..count]) {
            *width = caption_text_width(context, &text[start..end]);
        }
        let caption = place_caption(
            (x, y),
            layout.center,
            layout.node_radius,
            (&widths[..count], caption_text_width(context, SEPARATOR)),
            layout.caption_width - 8.0,
            (layout.nodes.iter().map(|(_, &centre)| centre), captions),
            (layout.width, layout.height),
        );
        captions.push(caption.bounds());
        fill_caption(
            context,
            &caption,
            (text, &parts[..count]),
            scene.palette.background,
        );
    });
    context.set_text_align("center");
}

/// Texts measured so far in one font, each measured once rather than every frame: the
/// captions' role, "voted S3" and "leader S3" parts, a node's "term 12". A few dozen in all;
/// the cache starts over when its font changes (the term's scales with the nodes) or it is
/// full (a run with very many node ids or terms).
#[derive(Default)]
struct TextWidths {
    font: String,
    widths: Vec<(String, f64)>,
}

impl TextWidths {
    const KEPT: usize = 256;

    /// The width of `text` in `font`, which must be the font set on `context`.
    fn width(&mut self, context: &Context, font: &str, text: &str) -> f64 {
        if self.font != font || self.widths.len() == Self::KEPT {
            self.font.clear();
            self.font.push_str(font);
            self.widths.clear();
        }
        if let Some(&(_, width)) = self.widths.iter().find(|(known, _)| known == text) {
            return width;
        }
        let width = context
            .measure_text(text)
            .map_or(0.0, |metrics| metrics.width());
        self.widths.push((text.to_string(), width));
        width
    }
}

thread_local! {
    static CAPTION_WIDTHS: RefCell<TextWidths> = RefCell::new(TextWidths::default());
    static TERM_WIDTHS: RefCell<TextWidths> = RefCell::new(TextWidths::default());
}

/// The font of every caption.
const CAPTION_FONT: &str = "11px system-ui, sans-serif";

/// The width of `text` in the captions' font (set on `context`), measured once.
fn caption_text_width(context: &Context, text: &str) -> f64 {
    CAPTION_WIDTHS.with_borrow_mut(|widths| widths.width(context, CAPTION_FONT, text))
}

/// Draws a placed caption, its `parts` (byte ranges of `text`) on the lines it gives, each
/// outlined in the `background` colour so that it reads over the ring's lines, messages and a
/// drag's dashed ring.
fn fill_caption(
    context: &Context,
    caption: &Caption,
    (text, parts): (&str, &[(usize, usize)]),
    background: &str,
) {
    context.set_stroke_style_str(background);
    context.set_line_width(CAPTION_OUTLINE_WIDTH);
    context.set_line_join("round");
    context.set_text_align(match caption.place.side {
        CaptionSide::Below | CaptionSide::Lower => "center",
        CaptionSide::Left => "right",
        CaptionSide::Right => "left",
    });
    for line in 0..caption.lines {
        let first = caption.starts[line];
        let last = if line + 1 < caption.lines {
            caption.starts[line + 1] - 1
        } else {
            parts.len() - 1
        };
        let baseline = caption.place.baseline + line as f64 * CAPTION_LINE_HEIGHT;
        let line = &text[parts[first].0..parts[last].1];
        let _ = context.stroke_text(line, caption.place.x, baseline);
        let _ = context.fill_text(line, caption.place.x, baseline);
    }
    context.set_line_join("miter");
}

/// How wide the background outline around a caption's letters is, in CSS px.
const CAPTION_OUTLINE_WIDTH: f64 = 3.0;

fn draw_legend(context: &Context, scene: &Scene) {
    context.set_font("11px system-ui, sans-serif");
    context.set_text_align("left");
    let rows = MessageKind::ALL.len() + 1;
    let mut y = scene.layout.height - 12.0 - 14.0 * (rows as f64 - 1.0);
    let sample = |kind, duplicate| MessageView {
        id: 0,
        from: Endpoint::Client(0),
        to: Endpoint::Client(0),
        kind,
        response: false,
        success: None,
        entries: 1,
        progress: 0.0,
        lost: None,
        over_a_cut: false,
        duplicate,
        sent_us: 0,
        arrive_us: 0,
    };
    let entries = MessageKind::ALL
        .iter()
        .map(|&kind| (sample(kind, false), kind.label()))
        .chain(std::iter::once((
            sample(MessageKind::AppendEntries, true),
            "×2 duplicate",
        )));
    for (message, label) in entries {
        draw_mark(
            context,
            &message,
            16.0,
            y - 4.0,
            message_colour(message.kind),
        );
        context.set_fill_style_str(scene.palette.muted);
        let _ = context.fill_text(label, 28.0, y);
        y += 14.0;
    }
}
