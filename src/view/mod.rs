//! View data: what the page draws, as plain structs computed from the simulation. Pure and
//! native, so it is tested without a browser; the canvas code only turns it into pixels.
//!
//! Everything here is read from the simulator's real state: a message is drawn where its real
//! send and arrival times put it, a node's timer arc is its real election deadline.
//!
//! This file is the ring: nodes, messages, their kinds and places, the speed scale. `inspect`
//! holds the helpers of the panels beside it.

use crate::raft::{MessageBody, NodeId};
use crate::sim::Simulation;
use crate::sim::network::{Endpoint, LossReason, Packet, Reply};
pub use crate::sim::observe::{NodeLook, look_of};
use crate::sim::server::Status;

mod inspect;
pub mod palette;
pub use inspect::{
    FollowerProgress, MAX_ENTRIES_SHOWN, follower_progress, format_duration, log_first_shown,
    loss_label, members_text, message_fields, operation_label, packet_name, payload_label,
    ruler_step, sparkline_points, tick_step_us,
};

#[derive(Clone, Debug, PartialEq)]
pub struct NodeView {
    pub id: NodeId,
    pub look: NodeLook,
    pub term: u64,
    pub voted_for: Option<NodeId>,
    pub leader_id: Option<NodeId>,
    pub commit_index: u64,
    pub last_index: u64,
    /// How much of the longest election timeout is left, from 1 (just reset) to 0 (firing).
    pub timer_left: Option<f64>,
    /// Clock drift, in parts per million.
    pub drift_ppm: i32,
    /// The node's group while the network is split into groups (A, B, … in the order of
    /// `Network::groups`); `None` when every node reaches every other, or when single cuts
    /// leave no partition to name (`Network::as_partition`).
    pub group: Option<char>,
}

/// The letter of the `index`th group of a partition (A, B, …), on the ring and in the Network
/// panel's editor. Ids are at most 64, and so are groups; past Z come lower-case letters.
pub fn group_letter(index: usize) -> char {
    const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+*";
    char::from(LETTERS[index.min(LETTERS.len() - 1)])
}

/// `groups` with node `moved` taken out of its group and put into `joining`'s group, or into a
/// group of its own when `joining` is `None`; `None` when that changes nothing. Empty groups
/// go; the others keep their order.
pub fn moved_between_groups(
    groups: &[Vec<NodeId>],
    moved: NodeId,
    joining: Option<NodeId>,
) -> Option<Vec<Vec<NodeId>>> {
    let group_of = |node: NodeId| groups.iter().position(|group| group.contains(&node));
    let unchanged = match joining {
        Some(target) => group_of(target) == group_of(moved),
        None => group_of(moved).is_some_and(|index| groups[index].len() == 1),
    };
    if unchanged {
        return None;
    }
    let mut next: Vec<Vec<NodeId>> = groups
        .iter()
        .map(|group| {
            group
                .iter()
                .copied()
                .filter(|&node| node != moved)
                .collect()
        })
        .collect();
    match joining.and_then(|target| next.iter().position(|group| group.contains(&target))) {
        Some(index) => next[index].push(moved),
        None => next.push(vec![moved]),
    }
    next.retain(|group: &Vec<NodeId>| !group.is_empty());
    Some(next)
}

/// The kinds of message, each drawn its own way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageKind {
    PreVote,
    RequestVote,
    AppendEntries,
    Heartbeat,
    InstallSnapshot,
    TimeoutNow,
    ReadIndex,
    Client,
}

impl MessageKind {
    pub const ALL: [MessageKind; 8] = [
        MessageKind::PreVote,
        MessageKind::RequestVote,
        MessageKind::AppendEntries,
        MessageKind::Heartbeat,
        MessageKind::InstallSnapshot,
        MessageKind::TimeoutNow,
        MessageKind::ReadIndex,
        MessageKind::Client,
    ];

    pub fn label(self) -> &'static str {
        match self {
            MessageKind::PreVote => "PreVote",
            MessageKind::RequestVote => "RequestVote",
            MessageKind::AppendEntries => "AppendEntries",
            MessageKind::Heartbeat => "Heartbeat",
            MessageKind::InstallSnapshot => "InstallSnapshot",
            MessageKind::TimeoutNow => "TimeoutNow",
            MessageKind::ReadIndex => "ReadIndex",
            MessageKind::Client => "client",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct MessageView {
    pub id: u64,
    pub from: Endpoint,
    pub to: Endpoint,
    pub kind: MessageKind,
    pub response: bool,
    /// For answers: granted / success (true) or refused / rejected (false).
    pub success: Option<bool>,
    /// Entries carried by an AppendEntries.
    pub entries: usize,
    /// How far along its way, from 0 (just sent) to 1 (arriving).
    pub progress: f64,
    pub lost: Option<LossReason>,
    pub duplicate: bool,
    pub sent_us: u64,
    pub arrive_us: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ClusterView {
    pub now_us: u64,
    pub nodes: Vec<NodeView>,
    pub messages: Vec<MessageView>,
    /// Directed links that lose everything (partitions and cuts).
    pub blocked: Vec<(NodeId, NodeId)>,
    /// The nodes a violation involves, to highlight.
    pub flagged: Vec<NodeId>,
}

impl ClusterView {
    pub fn of(simulation: &Simulation) -> Self {
        let now_us = simulation.now_us();
        let configuration = simulation.configuration();
        let election_max_us = simulation.scenario().config.election_timeout_ms.1 * 1_000;
        let mut nodes: Vec<NodeView> = simulation
            .servers()
            .map(|server| node_view(server, &configuration, now_us, election_max_us))
            .collect();
        let ids: Vec<NodeId> = nodes.iter().map(|node| node.id).collect();
        let network = simulation.network();
        if let Some(groups) = network.as_partition(network.groups(&ids))
            && groups.len() > 1
        {
            for node in &mut nodes {
                let index = groups.iter().position(|group| group.contains(&node.id));
                node.group = index.map(group_letter);
            }
        }
        let messages = simulation
            .network()
            .in_flight()
            .map(|message| message_view(message, now_us))
            .collect();
        ClusterView {
            now_us,
            nodes,
            messages,
            blocked: simulation.network().blocked_links().copied().collect(),
            flagged: simulation
                .violations()
                .iter()
                .flat_map(|violation| violation.nodes.iter().copied())
                .collect(),
        }
    }
}

fn node_view(
    server: &crate::sim::server::Server,
    configuration: &crate::raft::Membership,
    now_us: u64,
    election_max_us: u64,
) -> NodeView {
    let raft = server.raft.as_ref();
    let look = look_of(server, configuration);
    let local_now = server.local_now(now_us);
    let timer_left = raft
        .and_then(|raft| raft.election_deadline_us())
        .filter(|_| server.status == Status::Up)
        .map(|deadline| {
            let left = deadline.saturating_sub(local_now) as f64;
            (left / election_max_us.max(1) as f64).clamp(0.0, 1.0)
        });
    NodeView {
        id: server.id,
        look,
        term: raft.map_or(server.disk.persisted.hard_state.current_term, |raft| {
            raft.current_term()
        }),
        voted_for: raft.map_or(server.disk.persisted.hard_state.voted_for, |raft| {
            raft.voted_for()
        }),
        leader_id: raft.and_then(|raft| raft.leader_id()),
        commit_index: raft.map_or(0, |raft| raft.commit_index()),
        last_index: raft.map_or(0, |raft| raft.log().last_index()),
        timer_left,
        drift_ppm: server.clock.rate_ppm(),
        group: None,
    }
}

fn message_view(message: &crate::sim::network::InFlight, now_us: u64) -> MessageView {
    let span = message.arrive_us.saturating_sub(message.sent_us).max(1) as f64;
    let progress = (now_us.saturating_sub(message.sent_us) as f64 / span).clamp(0.0, 1.0);
    let (kind, response, success, entries) = classify(&message.packet);
    MessageView {
        id: message.id,
        from: message.from,
        to: message.to,
        kind,
        response,
        success,
        entries,
        progress,
        lost: message.lost,
        duplicate: message.duplicate_of.is_some(),
        sent_us: message.sent_us,
        arrive_us: message.arrive_us,
    }
}

/// A message's kind, whether it answers another, whether that answer was positive, and how many
/// entries it carries.
pub fn classify(packet: &Packet) -> (MessageKind, bool, Option<bool>, usize) {
    use crate::raft::AppendOutcome;
    match packet {
        Packet::Raft(message) => match &message.body {
            MessageBody::PreVote { .. } => (MessageKind::PreVote, false, None, 0),
            MessageBody::PreVoteResponse { granted } => {
                (MessageKind::PreVote, true, Some(*granted), 0)
            }
            MessageBody::RequestVote { .. } => (MessageKind::RequestVote, false, None, 0),
            MessageBody::RequestVoteResponse { granted } => {
                (MessageKind::RequestVote, true, Some(*granted), 0)
            }
            MessageBody::AppendEntries { entries, .. } if entries.is_empty() => {
                (MessageKind::Heartbeat, false, None, 0)
            }
            MessageBody::AppendEntries { entries, .. } => {
                (MessageKind::AppendEntries, false, None, entries.len())
            }
            MessageBody::AppendEntriesResponse { outcome } => {
                let success = matches!(outcome, AppendOutcome::Success { .. });
                (MessageKind::AppendEntries, true, Some(success), 0)
            }
            MessageBody::Heartbeat { .. } => (MessageKind::Heartbeat, false, None, 0),
            MessageBody::HeartbeatResponse { .. } => (MessageKind::Heartbeat, true, Some(true), 0),
            MessageBody::InstallSnapshot { .. } => (MessageKind::InstallSnapshot, false, None, 0),
            MessageBody::InstallSnapshotResponse { .. } => {
                (MessageKind::InstallSnapshot, true, Some(true), 0)
            }
            MessageBody::TimeoutNow => (MessageKind::TimeoutNow, false, None, 0),
            MessageBody::ReadIndex { .. } => (MessageKind::ReadIndex, false, None, 0),
            MessageBody::ReadIndexResponse { read_index, .. } => {
                (MessageKind::ReadIndex, true, Some(read_index.is_some()), 0)
            }
        },
        Packet::Request(_) => (MessageKind::Client, false, None, 0),
        Packet::Response(response) => {
            let success = matches!(response.reply, Reply::Done(_));
            (MessageKind::Client, true, Some(success), 0)
        }
    }
}

/// Where node `index` of `count` sits on a ring centred at (`cx`, `cy`): evenly spaced,
/// the first at the top, going clockwise.
pub fn ring_position(index: usize, count: usize, cx: f64, cy: f64, radius: f64) -> (f64, f64) {
    let angle =
        -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * index as f64 / count.max(1) as f64;
    (cx + radius * angle.cos(), cy + radius * angle.sin())
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

/// The ring of `count` nodes on a canvas of `width` by `height`: its centre, a little above the
/// middle, its radius, and the nodes' radius. The ring leaves room under its bottom node for
/// a caption of two lines, or three on a crowded ring (where details wrap).
pub fn ring_geometry(count: usize, width: f64, height: f64) -> ((f64, f64), f64, f64) {
    let center = (width / 2.0, height / 2.0 - 8.0);
    let widest = (width.min(height) * 0.36).max(40.0);
    let lines = if neighbour_distance(count, widest) < DETAILED_CAPTION_WIDTH {
        3.0
    } else {
        2.0
    };
    let below = node_radius(count, widest) + 16.0 + (lines - 1.0) * CAPTION_LINE_HEIGHT + 3.0;
    let ring_radius = widest.min(height - center.1 - below).max(40.0);
    (center, ring_radius, node_radius(count, ring_radius))
}

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
    2.0 * ring_radius * (std::f64::consts::PI / count as f64).sin()
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
            CaptionSide::Left => (x - beside, beside_baseline),
            CaptionSide::Right => (x + beside, beside_baseline),
        };
        CaptionPlace { side, x, baseline }
    }

    /// The box (left, top, right, bottom) of `lines` lines at most `width` wide.
    pub fn bounds(&self, width: f64, lines: usize) -> (f64, f64, f64, f64) {
        let left = match self.side {
            CaptionSide::Below => self.x - width / 2.0,
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
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        self.place.bounds(self.width, self.lines)
    }
}

/// The caption of the node at `at`, on a ring centred at `ring_center`, made of parts (role,
/// vote, leader) `widths` wide joined by separators `separator_width` wide. It goes under the
/// node, wrapped to `below_width`, unless that comes near another of the `nodes` (with its
/// timer arc) or leaves the `canvas` (width, height); then beside it, on the outer side of the
/// ring first. If no side is clear, the one that keeps farthest from other nodes.
pub fn place_caption(
    at: (f64, f64),
    ring_center: (f64, f64),
    node_radius: f64,
    (widths, separator_width): (&[f64], f64),
    below_width: f64,
    nodes: &[(f64, f64)],
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
        let wrap = if side == CaptionSide::Below {
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
    // How far the caption keeps from the nearest other node's arc (negative: it covers it);
    // none if it leaves the canvas.
    let clearance = |caption: &Caption| {
        let (left, top, right, bottom) = caption.bounds();
        let inside = left >= 0.0 && top >= 0.0 && right <= canvas.0 && bottom <= canvas.1;
        inside.then(|| {
            nodes
                .iter()
                .filter(|&&node| node != at)
                .map(|&(x, y)| {
                    let (nearest_x, nearest_y) = (x.clamp(left, right), y.clamp(top, bottom));
                    ((nearest_x - x).powi(2) + (nearest_y - y).powi(2)).sqrt()
                })
                .fold(f64::INFINITY, f64::min)
                - (node_radius + NODE_HALO)
        })
    };
    let candidates = [CaptionSide::Below, outward[0], outward[1]]
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

/// The slowest and fastest speeds the page plays at, as virtual time per wall-clock time.
pub const SPEED_MIN: f64 = 0.001;
pub const SPEED_MAX: f64 = 10.0;

/// The speed slider runs from 0 to this; its position is log-scaled to the speed.
pub const SLIDER_STEPS: f64 = 1_000.0;

pub fn speed_to_slider(speed: f64) -> f64 {
    let span = (SPEED_MAX / SPEED_MIN).ln();
    ((speed / SPEED_MIN).ln() / span * SLIDER_STEPS).clamp(0.0, SLIDER_STEPS)
}

pub fn slider_to_speed(position: f64) -> f64 {
    let span = (SPEED_MAX / SPEED_MIN).ln();
    (SPEED_MIN * (position / SLIDER_STEPS * span).exp()).clamp(SPEED_MIN, SPEED_MAX)
}

/// "×0.1", "×1/250", "×10": readable speeds.
/// At least about half as slow as real time reads as a fraction with a whole denominator
/// (×1/8, ×1/10, ×1/1000: the `-` key halves the speed, and a dragged slider reads ×1/9, ×1/8,
/// ×1/7, never switching between fractions and decimals); between that and real time as a
/// decimal (×0.75); faster, as a decimal (×2.5).
pub fn speed_label(speed: f64) -> String {
    if speed >= 1.0 {
        return format!("×{:.1}", speed).replace(".0", "");
    }
    let slower = 1.0 / speed;
    if slower >= 1.9 {
        format!("×1/{:.0}", slower.round())
    } else {
        format!("×{speed:.2}")
    }
}

pub fn format_time(us: u64) -> String {
    format!("{}.{:03} s", us / 1_000_000, (us / 1_000) % 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_speed_slider_is_logarithmic_and_round_trips() {
        assert!((slider_to_speed(0.0) - SPEED_MIN).abs() < 1e-12);
        assert!((slider_to_speed(SLIDER_STEPS) - SPEED_MAX).abs() < 1e-9);
        for speed in [0.001, 0.01, 0.1, 1.0, 10.0] {
            assert!((slider_to_speed(speed_to_slider(speed)) - speed).abs() / speed < 1e-9);
        }
        assert_eq!(speed_label(0.001), "×1/1000");
        assert_eq!(speed_label(1.0), "×1");
        // Halving from ×1/16 reads ×1/8, never ×0.13 beside ×1/16.
        assert_eq!(speed_label(0.0625), "×1/16");
        assert_eq!(speed_label(0.125), "×1/8");
        assert_eq!(speed_label(0.1), "×1/10");
        assert_eq!(speed_label(0.75), "×0.75");
        assert_eq!(speed_label(0.99), "×0.99", "never ×1/1");
        assert_eq!(speed_label(0.13), "×1/8");
        assert_eq!(speed_label(0.12), "×1/8");
        assert_eq!(speed_label(2.5), "×2.5");
    }
    use crate::scenario::Scenario;

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
    fn captions_cover_no_other_node() {
        // The widest role alone ("pre-candidate" in 11 px), and with a vote and a leader.
        let role = [72.0];
        let detailed = [72.0, 48.0, 52.0];
        for (width, height) in CANVASES {
            for count in 3..=15 {
                let (points, center, radius) = ring_of(count, width, height);
                let (_, ring_radius, _) = ring_geometry(count, width, height);
                let wrap = neighbour_distance(count, ring_radius) - 8.0;
                for (index, &at) in points.iter().enumerate() {
                    let others: Vec<_> = points.iter().copied().filter(|&p| p != at).collect();
                    for parts in [&role[..], &detailed[..]] {
                        let caption = place_caption(
                            at,
                            center,
                            radius,
                            (parts, 10.0),
                            wrap,
                            &others,
                            (width, height),
                        );
                        let (left, top, right, bottom) = caption.bounds();
                        assert!(left >= 0.0 && top >= 0.0 && right <= width && bottom <= height);
                        for &(x, y) in &others {
                            let nearest = (x.clamp(left, right), y.clamp(top, bottom));
                            let distance =
                                ((nearest.0 - x).powi(2) + (nearest.1 - y).powi(2)).sqrt();
                            assert!(
                                distance > radius + NODE_HALO,
                                "{count} nodes on {width}×{height}: S{}'s caption {caption:?} covers the node at ({x:.0}, {y:.0})",
                                index + 1
                            );
                        }
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
                &others,
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
            &others,
            (972.0, 427.0),
        );
        assert_eq!(caption.place.side, CaptionSide::Right);
    }

    #[test]
    fn the_view_marks_the_copies_a_duplicating_network_makes() {
        // Every message between nodes is copied: each copy is marked, each original is not,
        // and a copy still in flight beside its original goes the same way.
        let scenario = Scenario::from_json(
            r#"{"format": 1, "seed": 4, "nodes": 3, "config": {"duplicate": 1.0}, "until_ms": 1500}"#,
        )
        .unwrap();
        let mut simulation = Simulation::new(&scenario);
        simulation.run();
        let view = ClusterView::of(&simulation);
        let network = simulation.network();
        let copies = view.messages.iter().filter(|m| m.duplicate).count();
        assert!(copies > 0, "copies in flight: {:?}", view.messages);
        assert!(copies < view.messages.len(), "and originals");
        for message in &view.messages {
            let duplicate_of = network.get(message.id).unwrap().duplicate_of;
            assert_eq!(message.duplicate, duplicate_of.is_some(), "{message:?}");
            let original = duplicate_of.and_then(|id| view.messages.iter().find(|m| m.id == id));
            if let Some(original) = original {
                assert!(!original.duplicate);
                let way = |m: &MessageView| (m.from, m.to, m.kind, m.response);
                assert_eq!(way(original), way(message));
            }
        }
    }

    #[test]
    fn a_dragged_node_moves_between_groups() {
        let whole = [vec![1, 2, 3, 4, 5]];
        // Into open space: cut off alone; then another joins it; then back.
        let cut = moved_between_groups(&whole, 2, None).unwrap();
        assert_eq!(cut, [vec![1, 3, 4, 5], vec![2]]);
        let pair = moved_between_groups(&cut, 3, Some(2)).unwrap();
        assert_eq!(pair, [vec![1, 4, 5], vec![2, 3]]);
        let back = moved_between_groups(&pair, 2, Some(1)).unwrap();
        assert_eq!(back, [vec![1, 4, 5, 2], vec![3]]);
        // The last of a group joining another: the empty group goes.
        assert_eq!(
            moved_between_groups(&back, 3, Some(4)).unwrap(),
            [vec![1, 4, 5, 2, 3]]
        );
        // Nothing changes: already together, or already alone; a lone node alone.
        assert_eq!(moved_between_groups(&pair, 3, Some(2)), None);
        assert_eq!(moved_between_groups(&cut, 2, None), None);
        assert_eq!(moved_between_groups(&[vec![1]], 1, None), None);
    }

    #[test]
    fn a_split_network_gives_each_node_its_group_letter() {
        let scenario = Scenario::from_json(
            r#"{"format": 1, "seed": 4, "nodes": 5, "until_ms": 2000, "timeline": [
                {"at_ms": 500, "do": "partition", "groups": [[1, 4], [2, 3, 5]]},
                {"at_ms": 1500, "do": "heal"}]}"#,
        )
        .unwrap();
        let mut simulation = Simulation::new(&scenario);
        simulation.run_until(1_000_000);
        let letters: Vec<Option<char>> = ClusterView::of(&simulation)
            .nodes
            .iter()
            .map(|node| node.group)
            .collect();
        assert_eq!(
            letters,
            [Some('A'), Some('B'), Some('B'), Some('A'), Some('B')]
        );
        simulation.run();
        let view = ClusterView::of(&simulation);
        assert!(
            view.nodes.iter().all(|node| node.group.is_none()),
            "healed: one group, no letters"
        );
        // A single cut is no partition: no letters (S2 still reaches S3 to S5).
        let cut = Scenario::from_json(
            r#"{"format": 1, "seed": 4, "nodes": 5, "until_ms": 1000, "timeline": [
                {"at_ms": 500, "do": "cut", "from": 1, "to": 2},
                {"at_ms": 500, "do": "cut", "from": 2, "to": 1}]}"#,
        )
        .unwrap();
        let mut simulation = Simulation::new(&cut);
        simulation.run();
        let view = ClusterView::of(&simulation);
        assert!(
            view.nodes.iter().all(|node| node.group.is_none()),
            "a cut names no groups"
        );
    }

    #[test]
    fn the_view_shows_the_real_cluster() {
        let scenario = Scenario::from_json(
            r#"{"format": 1, "seed": 4, "nodes": 3, "timeline": [{"at_ms": 1000, "do": "crash", "node": 2}], "until_ms": 2000}"#,
        )
        .unwrap();
        let mut simulation = Simulation::new(&scenario);
        simulation.run();
        let view = ClusterView::of(&simulation);
        assert_eq!(view.nodes.len(), 3);
        assert_eq!(view.nodes[1].look, NodeLook::Down);
        let leaders = view
            .nodes
            .iter()
            .filter(|node| node.look == NodeLook::Leader)
            .count();
        assert_eq!(leaders, 1);
        let leader = view
            .nodes
            .iter()
            .find(|node| node.look == NodeLook::Leader)
            .unwrap();
        assert!(
            leader.timer_left.is_none(),
            "leaders have no election timer"
        );
        for node in view
            .nodes
            .iter()
            .filter(|node| node.look == NodeLook::Follower)
        {
            let left = node.timer_left.unwrap();
            assert!((0.0..=1.0).contains(&left));
        }
        for message in &view.messages {
            assert!((0.0..=1.0).contains(&message.progress));
            let expected = (view.now_us - message.sent_us) as f64
                / (message.arrive_us - message.sent_us) as f64;
            assert!(
                (message.progress - expected.min(1.0)).abs() < 1e-9,
                "placed by its real times"
            );
        }
        while !simulation.network().in_flight().any(|m| matches!(&m.packet, Packet::Raft(r) if matches!(r.body, MessageBody::Heartbeat { .. }))) {
            assert!(simulation.step(), "the leader keeps sending heartbeats");
        }
        let view = ClusterView::of(&simulation);
        let heartbeat = view
            .messages
            .iter()
            .find(|m| m.kind == MessageKind::Heartbeat && !m.response)
            .unwrap();
        assert_eq!(heartbeat.from, Endpoint::Node(leader.id));
    }
}
