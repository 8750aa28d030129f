//! The ring's geometry, as plain numbers: where nodes sit, how big they are so that a ring of
//! 15 does not run together, and where each caption goes so that it covers no other node.
//! The painter (`ui::draw`) draws what these place; the tests check the placing natively.

use super::math::sin_cos;

/// Where node `index` of `count` sits on a ring centred at (`cx`, `cy`): evenly spaced,
/// the first at the top, going clockwise.
pub fn ring_position(index: usize, count: usize, cx: f64, cy: f64, radius: f64) -> (f64, f64) {
    let angle =
        -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * index as f64 / count.max(1) as f64;
    let (sin, cos) = sin_cos(angle);
    (cx + radius * cos, cy + radius * sin)
}

/// How far outside a node's disc its election timer's arc runs, and how wide it is drawn.
pub const TIMER_ARC_GAP: f64 = 5.0;
pub const TIMER_ARC_WIDTH: f64 = 3.0;
/// How far a node's drawing reaches outside its disc: the outer edge of its timer arc.
pub const NODE_HALO: f64 = TIMER_ARC_GAP + TIMER_ARC_WIDTH / 2.0;
/// The least space between neighbours' timer arcs, so a ring of many nodes does not run
/// together (a canvas too small for it shrinks nodes down to `NODE_RADIUS_MIN` only).
pub const NODE_GAP_MIN: f64 = 12.0;
pub const NODE_RADIUS_MIN: f64 = 12.0;
pub const NODE_RADIUS_MAX: f64 = 44.0;

/// Neighbours closer than this leave no room for every caption in full: only the role is
/// given (and the selected node's vote and leader), and plain followers' captions only if
/// there is room for a word.
pub const DETAILED_CAPTION_WIDTH: f64 = 120.0;

/// How much the cluster canvas magnifies its drawing at most (on a full-HD screen or a
/// projector).
pub const CANVAS_ZOOM_MAX: f64 = 1.5;

/// How much the cluster canvas magnifies its drawing, whose layout then has the canvas's size
/// divided by this. It follows the window, not the canvas, so that adding a node (whose log
/// row takes height from the canvas) does not rescale the drawing: 1 up to a 1280×800 window,
/// growing with it, so that on a large screen or a projector the nodes, messages and captions
/// grow instead of standing small in a wide ring. It never shrinks the layout below the size
/// that shows every caption (`CAPTIONED_CANVAS`).
pub fn canvas_zoom(window: (f64, f64), canvas: (f64, f64)) -> f64 {
    let room = (canvas.0 / CAPTIONED_CANVAS.0).min(canvas.1 / CAPTIONED_CANVAS.1);
    window_zoom(window).min(room).max(1.0)
}

/// How much the page's canvases magnify their drawing in a window of this size (CSS px): 1 up
/// to 1280×800, growing with the window to `CANVAS_ZOOM_MAX`. The log panel's canvas uses it
/// as it is; the cluster canvas keeps room for its captions (`canvas_zoom`).
pub fn window_zoom(window: (f64, f64)) -> f64 {
    (window.0 / 1_280.0)
        .min(window.1 / 800.0)
        .clamp(1.0, CANVAS_ZOOM_MAX)
}

/// The smallest layout, in CSS px, that shows every caption and the legend; a smaller canvas
/// drops them.
pub const CAPTIONED_CANVAS: (f64, f64) = (520.0, 380.0);

/// The ring of `count` nodes on a canvas of `width` by `height`: its centre, a little above the
/// middle, its radius, and the nodes' radius. The ring leaves room under its bottom node for
/// a caption of two lines, or three on a crowded ring (where details wrap). On a short canvas
/// (an embed with logs under it, a stage under a lesson's card) the ring is as tall as fits
/// between its top node, with its timer arc, and its bottom node's caption.
pub fn ring_geometry(count: usize, width: f64, height: f64) -> ((f64, f64), f64, f64) {
    let widest = (width.min(height) * 0.36).max(RING_RADIUS_MIN);
    let lines = if neighbour_distance(count, widest) < DETAILED_CAPTION_WIDTH {
        3.0
    } else {
        2.0
    };
    // Room for nodes of radius `node`: above the top one its timer arc, below the bottom one
    // its caption.
    let above = |node: f64| node + NODE_HALO + TIMER_ARC_WIDTH;
    let below = |node: f64| node + 16.0 + (lines - 1.0) * CAPTION_LINE_HEIGHT + 3.0;
    let widest_node = node_radius(count, widest);
    let center = (width / 2.0, height / 2.0 - 8.0);
    if height - center.1 - below(widest_node) >= widest && center.1 - above(widest_node) >= widest {
        return (center, widest, widest_node);
    }
    // Nodes shrink with the ring, so a smaller ring needs less room: a few rounds approach the
    // tallest ring whose own nodes fit, and a last step down keeps it inside.
    let room = |node: f64| (height - above(node) - below(node)) / 2.0;
    let mut ring_radius = widest;
    for _ in 0..6 {
        ring_radius = room(node_radius(count, ring_radius)).clamp(RING_RADIUS_MIN, widest);
    }
    let ring_radius = ring_radius
        .min(room(node_radius(count, ring_radius)))
        .max(RING_RADIUS_MIN);
    let node = node_radius(count, ring_radius);
    ((width / 2.0, above(node) + ring_radius), ring_radius, node)
}

/// The smallest ring drawn; a canvas too short even for it (under about 150 px) crops it.
const RING_RADIUS_MIN: f64 = 30.0;

/// How a caption's parts (role, vote, leader), `widths` wide, go on lines at most `max_width`
/// wide when joined by a separator `separator_width` wide: the parts each line starts with
/// (the first line starts with the first part), at most 3 lines, and the widest line's width.
pub fn caption_lines(
    widths: &[f64],
    separator_width: f64,
    max_width: f64,
) -> ([usize; 3], usize, f64) {
    let mut starts = [0; 3];
    let mut lines = 1;
    let mut line_width = 0.0_f64;
    let mut widest = 0.0_f64;
    for (index, &width) in widths.iter().enumerate() {
        if index > 0 && line_width + separator_width + width > max_width && lines < starts.len() {
            starts[lines] = index;
            lines += 1;
            line_width = width;
        } else if index > 0 {
            line_width += separator_width + width;
        } else {
            line_width = width;
        }
        widest = widest.max(line_width);
    }
    (starts, lines, widest)
}

/// The chord between two neighbours on a ring of `count` nodes.
pub fn neighbour_distance(count: usize, ring_radius: f64) -> f64 {
    if count < 2 {
        return f64::INFINITY;
    }
    2.0 * ring_radius * sin_cos(std::f64::consts::PI / count as f64).0
}

/// How big a node is drawn: large for a few, smaller for many, so that neighbours on a ring of
/// 15 keep `NODE_GAP_MIN` between their timer arcs.
pub fn node_radius(count: usize, ring_radius: f64) -> f64 {
    let chord = neighbour_distance(count, ring_radius);
    let fits = chord / 2.0 - NODE_HALO - NODE_GAP_MIN / 2.0;
    (chord * 0.32)
        .min(fits)
        .clamp(NODE_RADIUS_MIN, NODE_RADIUS_MAX)
}

/// The least size of a node's name and term, in CSS px: smaller text is not legible (the
/// captions and the legend use this size too).
pub const NODE_LABEL_PX_MIN: f64 = 11.0;
/// How high capitals and digits stand over their baseline, as a share of the font's size
/// (0.70 to 0.73 in the system's sans-serif faces): node labels have no descenders.
const CAP_HEIGHT: f64 = 0.73;
/// How far a node's labels keep inside its disc's edge, in CSS px.
const LABEL_INSET: f64 = 1.0;

/// A node's labels inside its disc: its name, and under it its term. Offsets are from the
/// node's centre, in CSS px.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NodeLabels {
    pub name_px: f64,
    pub name_baseline: f64,
    pub term_px: f64,
    /// The term's baseline; none where the disc has room for one line only (the Inspect tab
    /// gives the term).
    pub term_baseline: Option<f64>,
    /// How wide the term may be drawn and stay inside the disc: where "term 12" is wider, the
    /// painter writes "t12".
    pub term_room: f64,
}

/// How a node of `node_radius` is labelled: both lines at least `NODE_LABEL_PX_MIN`, growing
/// with the node, stacked and centred with a gap between them, each line narrower than the
/// disc where it runs. A node with no room for two lines wide enough for a name ("S15") has
/// its name alone, in the middle.
pub fn node_labels(node_radius: f64) -> NodeLabels {
    let name_px = (node_radius * 0.55).clamp(NODE_LABEL_PX_MIN, 18.0);
    let term_px = (node_radius * 0.38).clamp(NODE_LABEL_PX_MIN, 13.0);
    let (name_cap, term_cap) = (name_px * CAP_HEIGHT, term_px * CAP_HEIGHT);
    let height = name_cap + (node_radius * 0.25).max(2.0) + term_cap;
    // The disc's width `offset` above or below its centre, less the inset each side.
    let room = |offset: f64| {
        2.0 * (node_radius * node_radius - offset * offset)
            .max(0.0)
            .sqrt()
            - 2.0 * LABEL_INSET
    };
    let name_width_min = 2.2 * name_px;
    if room(height / 2.0) < name_width_min {
        return NodeLabels {
            name_px,
            name_baseline: name_cap / 2.0,
            term_px,
            term_baseline: None,
            term_room: 0.0,
        };
    }
    NodeLabels {
        name_px,
        name_baseline: name_cap - height / 2.0,
        term_px,
        term_baseline: Some(height / 2.0),
        term_room: room(height / 2.0),
    }
}

/// Captions' lines, in CSS pixels: their height, and how far the text reaches above and
/// below its baseline (for 11 px text).
pub const CAPTION_LINE_HEIGHT: f64 = 13.0;
const CAPTION_ASCENT: f64 = 9.0;
const CAPTION_DESCENT: f64 = 3.0;

/// Which side of its node a caption is drawn on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptionSide {
    /// Centred under the node.
    Below,
    /// Beside the node, ending at its left.
    Left,
    /// Beside the node, starting at its right.
    Right,
    /// Centred under the node, a line lower: on a crowded ring's bottom, where its
    /// neighbour's caption takes the first line.
    Lower,
}

/// Where a caption's text goes: its anchor's x (the text's centre, right end or left end, by
/// side) and its first line's baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CaptionPlace {
    pub side: CaptionSide,
    pub x: f64,
    pub baseline: f64,
}

impl CaptionPlace {
    /// The caption of the node at (`x`, `y`) of `node_radius` on `side`.
    pub fn new(side: CaptionSide, (x, y): (f64, f64), node_radius: f64, lines: usize) -> Self {
        let beside = node_radius + NODE_HALO + 5.0;
        // Beside a node, the lines are centred on its middle.
        let beside_baseline =
            y + CAPTION_ASCENT / 2.0 - (lines.max(1) - 1) as f64 * CAPTION_LINE_HEIGHT / 2.0;
        let (x, baseline) = match side {
            CaptionSide::Below => (x, y + node_radius + 16.0),
            CaptionSide::Lower => (x, y + node_radius + 16.0 + CAPTION_LINE_HEIGHT),
            CaptionSide::Left => (x - beside, beside_baseline),
            CaptionSide::Right => (x + beside, beside_baseline),
        };
        CaptionPlace { side, x, baseline }
    }

    /// The box (left, top, right, bottom) of `lines` lines at most `width` wide.
    pub fn bounds(&self, width: f64, lines: usize) -> (f64, f64, f64, f64) {
        let left = match self.side {
            CaptionSide::Below | CaptionSide::Lower => self.x - width / 2.0,
            CaptionSide::Left => self.x - width,
            CaptionSide::Right => self.x,
        };
        let top = self.baseline - CAPTION_ASCENT;
        let bottom =
            self.baseline + (lines.max(1) - 1) as f64 * CAPTION_LINE_HEIGHT + CAPTION_DESCENT;
        (left, top, left + width, bottom)
    }
}

/// How wide a caption beside its node may be before it wraps (under a node, the distance to
/// its neighbours decides).
pub const SIDE_CAPTION_WIDTH: f64 = 220.0;

/// A box on the canvas: left, top, right, bottom.
pub type Bounds = (f64, f64, f64, f64);

/// How far apart two boxes are: the widest gap between them along either axis (negative, by
/// the smaller overlap, if they overlap).
fn gap(a: Bounds, b: Bounds) -> f64 {
    (b.0 - a.2).max(a.0 - b.2).max(b.1 - a.3).max(a.1 - b.3)
}

/// A caption placed: where, and its parts on lines (`caption_lines`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Caption {
    pub place: CaptionPlace,
    /// The part each line starts with; the first `lines` count.
    pub starts: [usize; 3],
    pub lines: usize,
    pub width: f64,
}

impl Caption {
    pub fn bounds(&self) -> Bounds {
        self.place.bounds(self.width, self.lines)
    }
}

/// The caption of the node at `at`, on a ring centred at `ring_center`, made of parts (role,
/// vote, leader) `widths` wide joined by separators `separator_width` wide. It goes under the
/// node, wrapped to `below_width`, unless that comes near another of the `nodes` (with its
/// timer arc) or one of the `captions` placed before it (a role is one word, and on a crowded
/// ring "pre-candidate" is wider than the room between two nodes), or leaves the `canvas`
/// (width, height); then beside it, on the outer side of the ring first, then under it a line
/// lower. If no place is clear, the one that keeps farthest from the rest.
pub fn place_caption(
    at: (f64, f64),
    ring_center: (f64, f64),
    node_radius: f64,
    (widths, separator_width): (&[f64], f64),
    below_width: f64,
    (nodes, captions): (impl Iterator<Item = (f64, f64)> + Clone, &[Bounds]),
    canvas: (f64, f64),
) -> Caption {
    /// How far a caption keeps from other nodes' timer arcs when it can.
    const MARGIN: f64 = 4.0;
    let outward = if at.0 >= ring_center.0 {
        [CaptionSide::Right, CaptionSide::Left]
    } else {
        [CaptionSide::Left, CaptionSide::Right]
    };
    let caption = |side| {
        let wrap = if matches!(side, CaptionSide::Below | CaptionSide::Lower) {
            below_width
        } else {
            SIDE_CAPTION_WIDTH
        };
        let (starts, lines, width) = caption_lines(widths, separator_width, wrap);
        Caption {
            place: CaptionPlace::new(side, at, node_radius, lines),
            starts,
            lines,
            width,
        }
    };
    // How far the caption keeps from the nearest other node's arc and the nearest caption
    // (negative: it covers one); none if it leaves the canvas.
    let clearance = |caption: &Caption| {
        let bounds @ (left, top, right, bottom) = caption.bounds();
        let inside = left >= 0.0 && top >= 0.0 && right <= canvas.0 && bottom <= canvas.1;
        inside.then(|| {
            let from_nodes = nodes
                .clone()
                .filter(|&node| node != at)
                .map(|(x, y)| {
                    let (nearest_x, nearest_y) = (x.clamp(left, right), y.clamp(top, bottom));
                    ((nearest_x - x).powi(2) + (nearest_y - y).powi(2)).sqrt()
                })
                .fold(f64::INFINITY, f64::min)
                - (node_radius + NODE_HALO);
            captions
                .iter()
                .map(|&other| gap(bounds, other))
                .fold(from_nodes, f64::min)
        })
    };
    let candidates = [
        CaptionSide::Below,
        outward[0],
        outward[1],
        CaptionSide::Lower,
    ]
    .map(caption)
    .map(|caption| (caption, clearance(&caption)));
    let below = candidates[0].0;
    candidates
        .iter()
        .find(|(_, clearance)| clearance.is_some_and(|clearance| clearance >= MARGIN))
        .or_else(|| {
            candidates
                .iter()
                .filter(|(_, clearance)| clearance.is_some())
                .max_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal))
        })
        .map_or(below, |(caption, _)| *caption)
}

/// The radius of a node's group badge (its partition group's letter on a disc).
pub const BADGE_RADIUS: f64 = 8.5;

/// Where the group badge of the node at `at` goes: just outside its timer arc, on the outer
/// side of the ring unless that comes near another of the `nodes` (with its timer arc), one of
/// the `placed` boxes (captions, earlier badges) or the `canvas` edge; then turned a sixteenth
/// of a turn at a time, either way, until clear. On a crowded ring a fixed corner put the
/// badge on a neighbour's arc. If nowhere is clear, the place that keeps farthest from the rest.
pub fn place_badge(
    at: (f64, f64),
    ring_center: (f64, f64),
    node_radius: f64,
    nodes: impl Iterator<Item = (f64, f64)> + Clone,
    placed: &[Bounds],
    canvas: (f64, f64),
) -> (f64, f64) {
    /// How far a badge keeps from other nodes' arcs and from captions when it can.
    const MARGIN: f64 = 2.0;
    /// How much nearer its own node than any other a badge stays when it can, so that it reads
    /// as its node's (a group's letter between two nodes of different groups would mislead).
    const NEARER: f64 = 10.0;
    // From a node's centre to its timer arc's outer edge, and to a badge's centre beyond it.
    let arc = node_radius + NODE_HALO + TIMER_ARC_WIDTH / 2.0;
    let reach = arc + BADGE_RADIUS;
    let (dx, dy) = (at.0 - ring_center.0, at.1 - ring_center.1);
    let length = dx.hypot(dy);
    // Outward, as a unit vector (straight up for a node at the centre).
    let outward = if length < f64::EPSILON {
        (0.0, -1.0)
    } else {
        (dx / length, dy / length)
    };
    let clearance = |(x, y): (f64, f64)| {
        let bounds = badge_bounds((x, y));
        let inside =
            bounds.0 >= 0.0 && bounds.1 >= 0.0 && bounds.2 <= canvas.0 && bounds.3 <= canvas.1;
        inside.then(|| {
            let from_nodes = nodes
                .clone()
                .filter(|&node| node != at)
                .map(|(nx, ny)| (nx - x).hypot(ny - y))
                .fold(f64::INFINITY, f64::min)
                - reach
                - (NEARER - MARGIN);
            placed
                .iter()
                .map(|&other| gap(bounds, other))
                .fold(from_nodes, f64::min)
        })
    };
    // Outward first, then a sixteenth of a turn each way (upwards first: beside a node is its
    // caption, and under it a caption may run to three lines), then two, and so on round to
    // inward.
    let upwards = if outward.0 >= 0.0 { -1 } else { 1 };
    let candidates = (0..16).map(|step: i32| {
        let turns = if step % 2 == 0 {
            -step / 2
        } else {
            (step + 1) / 2
        } * upwards;
        let (sin, cos) = sin_cos(f64::from(turns) * std::f64::consts::PI / 8.0);
        let direction = (
            outward.0 * cos - outward.1 * sin,
            outward.0 * sin + outward.1 * cos,
        );
        let centre = (at.0 + reach * direction.0, at.1 + reach * direction.1);
        (centre, clearance(centre))
    });
    let mut best: Option<((f64, f64), f64)> = None;
    for (centre, clearance) in candidates {
        let Some(clearance) = clearance else {
            continue;
        };
        if clearance >= MARGIN {
            return centre;
        }
        if best.is_none_or(|(_, farthest)| clearance > farthest) {
            best = Some((centre, clearance));
        }
    }
    best.map_or(
        (at.0 + reach * outward.0, at.1 + reach * outward.1),
        |(centre, _)| centre,
    )
}

/// The box of a group badge centred at `centre`.
pub fn badge_bounds((x, y): (f64, f64)) -> Bounds {
    (
        x - BADGE_RADIUS,
        y - BADGE_RADIUS,
        x + BADGE_RADIUS,
        y + BADGE_RADIUS,
    )
}

/// The offset `distance` to the left of the line from `from` to `to` (for a duplicate's
/// doubled line: one copy each side); none for a line of no length.
pub fn sideways(from: (f64, f64), to: (f64, f64), distance: f64) -> (f64, f64) {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let length = dx.hypot(dy);
    if length < f64::EPSILON {
        return (0.0, 0.0);
    }
    (-dy / length * distance, dx / length * distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canvas_magnifies_with_the_window_but_keeps_room_for_captions() {
        // A laptop's window, a full-HD one, a 4K one, a phone's.
        assert_eq!(canvas_zoom((1280.0, 800.0), (970.0, 430.0)), 1.0);
        assert!((canvas_zoom((1920.0, 1080.0), (1610.0, 800.0)) - 1.35).abs() < 1e-9);
        assert_eq!(
            canvas_zoom((3840.0, 2160.0), (3400.0, 1700.0)),
            CANVAS_ZOOM_MAX
        );
        assert_eq!(canvas_zoom((390.0, 844.0), (390.0, 300.0)), 1.0);
        // Fifteen nodes' log rows leave a shorter canvas: the same zoom while there is room.
        assert_eq!(
            canvas_zoom((1920.0, 1080.0), (1610.0, 560.0)),
            canvas_zoom((1920.0, 1080.0), (1610.0, 800.0))
        );
        // Not below the size that shows every caption.
        let zoom = canvas_zoom((1920.0, 1080.0), (1610.0, 450.0));
        assert!(zoom > 1.0 && 450.0 / zoom >= CAPTIONED_CANVAS.1 - 1e-9);
    }

    #[test]
    fn a_ring_starts_at_the_top_and_spaces_nodes_evenly() {
        let (x, y) = ring_position(0, 4, 100.0, 100.0, 50.0);
        assert!((x - 100.0).abs() < 1e-9 && (y - 50.0).abs() < 1e-9);
        let (x, y) = ring_position(1, 4, 100.0, 100.0, 50.0);
        assert!(
            (x - 150.0).abs() < 1e-9 && (y - 100.0).abs() < 1e-9,
            "clockwise"
        );
        assert!(node_radius(15, 200.0) < node_radius(3, 200.0));
        assert!((neighbour_distance(4, 50.0) - 50.0 * std::f64::consts::SQRT_2).abs() < 1e-9);
    }

    /// Canvas sizes the ring is drawn at: the page at 1280×800 (with the logs of 15 nodes and
    /// of 3 under it), a large window, a small laptop's.
    const CANVASES: [(f64, f64); 4] = [
        (972.0, 427.0),
        (972.0, 570.0),
        (1400.0, 800.0),
        (780.0, 480.0),
    ];

    /// Every node's centre on a ring of `count` on a `width` by `height` canvas.
    fn ring_of(count: usize, width: f64, height: f64) -> (Vec<(f64, f64)>, (f64, f64), f64) {
        let (center, ring_radius, radius) = ring_geometry(count, width, height);
        let points = (0..count)
            .map(|index| ring_position(index, count, center.0, center.1, ring_radius))
            .collect();
        (points, center, radius)
    }

    #[test]
    fn on_a_short_canvas_the_ring_fits_between_its_top_node_and_bottom_caption() {
        for (width, height) in [
            (600.0, 150.0),
            (600.0, 200.0),
            (800.0, 260.0),
            (1200.0, 300.0),
        ] {
            for count in 3..=15 {
                let (points, _, radius) = ring_of(count, width, height);
                let top = points
                    .iter()
                    .map(|point| point.1)
                    .fold(f64::INFINITY, f64::min);
                let bottom = points.iter().map(|point| point.1).fold(0.0, f64::max);
                assert!(
                    top - radius - NODE_HALO - TIMER_ARC_WIDTH / 2.0 >= -1e-9,
                    "{count} nodes on {width}×{height}: the top node's arc is cut off"
                );
                assert!(
                    bottom + radius + 16.0 + CAPTION_LINE_HEIGHT <= height + 1e-9,
                    "{count} nodes on {width}×{height}: no room for the bottom node's caption"
                );
            }
        }
        // The ring uses the height it has: on a 200 px high canvas, over half of it (the ring
        // anchored a little above the middle got a radius of 36 px there).
        let (_, ring_radius, _) = ring_geometry(5, 600.0, 200.0);
        assert!(ring_radius > 50.0, "{ring_radius}");
        // A canvas with room to spare keeps the ring a little above its middle.
        assert_eq!(ring_geometry(5, 972.0, 525.0).0, (486.0, 254.5));
    }

    #[test]
    fn neighbouring_nodes_and_their_timer_arcs_do_not_overlap() {
        for (width, height) in CANVASES {
            for count in 3..=15 {
                let (points, _, radius) = ring_of(count, width, height);
                for index in 0..count {
                    let (a, b) = (points[index], points[(index + 1) % count]);
                    let distance = ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
                    let gap = distance - 2.0 * (radius + NODE_HALO);
                    assert!(
                        gap >= NODE_GAP_MIN - 1e-9,
                        "{count} nodes on {width}×{height}: S{} and S{} are {gap:.1} px apart",
                        index + 1,
                        (index + 1) % count + 1
                    );
                }
                assert!(
                    radius >= 15.0,
                    "{count} nodes: still big enough to label ({radius:.1})"
                );
            }
        }
    }

    #[test]
    fn node_labels_are_legible_inside_their_node_and_apart() {
        // The canvases of the desktop's, and a phone's in portrait (390 px wide, 62 % of 844).
        let canvases = CANVASES
            .iter()
            .copied()
            .chain([(390.0, 523.0), (390.0, 300.0)]);
        for (width, height) in canvases {
            for count in 3..=15 {
                let (_, _, radius) = ring_of(count, width, height);
                let labels = node_labels(radius);
                let at = format!("{count} nodes on {width}×{height} (radius {radius:.1})");
                assert!(labels.name_px >= NODE_LABEL_PX_MIN, "{at}: {labels:?}");
                assert!(labels.term_px >= NODE_LABEL_PX_MIN, "{at}: {labels:?}");
                let name_top = labels.name_baseline - labels.name_px * CAP_HEIGHT;
                assert!(name_top >= -radius, "{at}: the name sticks out: {labels:?}");
                // A node of 16 px has room for its term (a smaller one, on a short canvas,
                // has its name alone).
                let Some(term_baseline) = labels.term_baseline else {
                    assert!(radius < 16.0, "{at}: no room for the term: {labels:?}");
                    continue;
                };
                let term_top = term_baseline - labels.term_px * CAP_HEIGHT;
                assert!(
                    term_top >= labels.name_baseline + 2.0,
                    "{at}: the name and the term overlap: {labels:?}"
                );
                assert!(
                    term_baseline <= radius,
                    "{at}: the term sticks out: {labels:?}"
                );
                // Room for "t15" (about three digits wide) at least.
                assert!(labels.term_room >= 2.0 * labels.term_px, "{at}: {labels:?}");
            }
        }
        // A large node has room for "term 123"; the smallest, for its name alone.
        assert!(node_labels(NODE_RADIUS_MAX).term_room > 60.0);
        let smallest = node_labels(NODE_RADIUS_MIN);
        assert_eq!(smallest.term_baseline, None);
        assert!(smallest.name_baseline > 0.0 && smallest.name_baseline < NODE_RADIUS_MIN);
    }

    #[test]
    fn captions_cover_no_other_node() {
        // The widest role alone ("pre-candidate" in 11 px), and with a vote and a leader.
        let role = [72.0];
        let detailed = [72.0, 48.0, 52.0];
        for (width, height) in CANVASES {
            for count in 3..=15 {
                let (points, _, radius) = ring_of(count, width, height);
                for parts in [&role[..], &detailed[..]] {
                    let captions = captions_placed(count, (width, height), parts, false);
                    for (index, (&at, &bounds)) in points.iter().zip(&captions).enumerate() {
                        let (left, top, right, bottom) = bounds;
                        assert!(left >= 0.0 && top >= 0.0 && right <= width && bottom <= height);
                        for &(x, y) in points.iter().filter(|&&point| point != at) {
                            let nearest = (x.clamp(left, right), y.clamp(top, bottom));
                            let distance =
                                ((nearest.0 - x).powi(2) + (nearest.1 - y).powi(2)).sqrt();
                            assert!(
                                distance > radius + NODE_HALO,
                                "{count} nodes on {width}×{height}: S{}'s caption {bounds:?} covers the node at ({x:.0}, {y:.0})",
                                index + 1
                            );
                        }
                    }
                }
            }
        }
    }

    /// A crowded ring of pre-candidates (every node captioned, none wrapped: a role is one
    /// word): captions placed in turn, as the painter does, keep clear of each other. Under
    /// its node, each would run into its neighbours' ("pre-candidate-candidate").
    #[test]
    fn captions_cover_no_other_caption() {
        for (width, height) in CANVASES {
            for count in 3..=15 {
                let placed = captions_placed(count, (width, height), &[72.0], true);
                for (index, &bounds) in placed.iter().enumerate() {
                    for (other, &earlier) in placed[..index].iter().enumerate() {
                        assert!(
                            gap(bounds, earlier) > 0.0,
                            "{count} nodes on {width}×{height}: S{}'s caption {bounds:?} covers S{}'s {earlier:?}",
                            index + 1,
                            other + 1
                        );
                    }
                }
            }
        }
    }

    /// The boxes of every node's caption made of `parts`, on a ring of `count` on `canvas`, in
    /// node order: placed in turn as the painter places them, each keeping clear of those
    /// before it (`apart`), or each on its own.
    fn captions_placed(
        count: usize,
        canvas: (f64, f64),
        parts: &[f64],
        apart: bool,
    ) -> Vec<Bounds> {
        let (points, center, radius) = ring_of(count, canvas.0, canvas.1);
        let (_, ring_radius, _) = ring_geometry(count, canvas.0, canvas.1);
        let wrap = neighbour_distance(count, ring_radius) - 8.0;
        let mut placed = Vec::new();
        for &at in &points {
            let caption = place_caption(
                at,
                center,
                radius,
                (parts, 10.0),
                wrap,
                (points.iter().copied(), if apart { &placed } else { &[] }),
                canvas,
            );
            placed.push(caption.bounds());
        }
        placed
    }

    /// Every node in a partition group, with its caption ("pre-candidate" alone, and with a vote
    /// and a leader): each group badge stays in the canvas, off every other node and its timer
    /// arc, and off every caption and every other badge, and it is at least 6 px nearer its own
    /// node than any other, so that it reads as that node's. A badge at the node's upper left,
    /// as it used to be, sat on a neighbour's arc on a crowded ring; one merely clear of arcs
    /// could sit halfway between two nodes.
    #[test]
    fn group_badges_cover_no_node_caption_or_badge() {
        for (width, height) in CANVASES {
            for count in 3..=15 {
                let (points, center, radius) = ring_of(count, width, height);
                for parts in [&[72.0][..], &[72.0, 48.0, 52.0]] {
                    let mut placed = captions_placed(count, (width, height), parts, true);
                    for (index, &at_point) in points.iter().enumerate() {
                        let badge = place_badge(
                            at_point,
                            center,
                            radius,
                            points.iter().copied(),
                            &placed,
                            (width, height),
                        );
                        let bounds = badge_bounds(badge);
                        let at = format!("{count} nodes on {width}×{height}, S{}", index + 1);
                        assert!(
                            bounds.0 >= 0.0
                                && bounds.1 >= 0.0
                                && bounds.2 <= width
                                && bounds.3 <= height,
                            "{at}: the badge {bounds:?} leaves the canvas"
                        );
                        let own = (at_point.0 - badge.0).hypot(at_point.1 - badge.1);
                        for (other, &(x, y)) in points.iter().enumerate() {
                            let reach = (x - badge.0).hypot(y - badge.1);
                            let arc = radius + NODE_HALO + TIMER_ARC_WIDTH / 2.0;
                            assert!(
                                other == index || reach >= arc + BADGE_RADIUS,
                                "{at}: the badge covers S{}'s arc",
                                other + 1
                            );
                            assert!(
                                other == index || reach >= own + 6.0,
                                "{at}: the badge is as near S{} as its own node ({reach:.1} and {own:.1} px)",
                                other + 1
                            );
                        }
                        for &other in &placed {
                            assert!(
                                gap(bounds, other) >= 0.0,
                                "{at}: the badge {bounds:?} covers {other:?}"
                            );
                        }
                        placed.push(bounds);
                    }
                }
            }
        }
    }

    #[test]
    fn captions_wrap_between_parts_to_at_most_three_lines() {
        assert_eq!(
            caption_lines(&[40.0, 30.0, 30.0], 10.0, 200.0),
            ([0, 0, 0], 1, 120.0)
        );
        assert_eq!(
            caption_lines(&[40.0, 30.0, 30.0], 10.0, 80.0),
            ([0, 2, 0], 2, 80.0)
        );
        assert_eq!(
            caption_lines(&[40.0, 30.0, 30.0], 10.0, 50.0),
            ([0, 1, 2], 3, 40.0)
        );
        assert_eq!(
            caption_lines(&[90.0], 10.0, 50.0),
            ([0, 0, 0], 1, 90.0),
            "a word is not cut"
        );
        assert_eq!(caption_lines(&[10.0; 5], 10.0, 10.0).1, 3);
    }

    #[test]
    fn a_caption_goes_under_its_node_unless_that_covers_a_neighbour() {
        let (center, ring_radius, _) = ring_geometry(15, 972.0, 427.0);
        // Three nodes: every caption under its node.
        let (points, _, radius) = ring_of(3, 972.0, 427.0);
        for &at in &points {
            let others: Vec<_> = points.iter().copied().filter(|&p| p != at).collect();
            let caption = place_caption(
                at,
                center,
                radius,
                (&[72.0, 48.0, 52.0], 10.0),
                120.0,
                (others.iter().copied(), &[]),
                (972.0, 427.0),
            );
            assert_eq!(caption.place.side, CaptionSide::Below);
        }
        // Fifteen: a node on the right of the ring has its neighbour below it, so its caption
        // goes outside, to its right.
        let (points, _, radius) = ring_of(15, 972.0, 427.0);
        let right = points[4];
        assert!(right.0 > center.0 + ring_radius * 0.9, "S5 is on the right");
        let others: Vec<_> = points.iter().copied().filter(|&p| p != right).collect();
        let caption = place_caption(
            right,
            center,
            radius,
            (&[72.0], 10.0),
            56.0,
            (others.iter().copied(), &[]),
            (972.0, 427.0),
        );
        assert_eq!(caption.place.side, CaptionSide::Right);
    }
}
