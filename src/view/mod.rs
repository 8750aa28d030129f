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
mod math;
pub mod palette;
mod ring;
pub use inspect::{
    FollowerProgress, MAX_ENTRIES_SHOWN, cluster_summary, follower_progress, format_count,
    format_duration, log_first_shown, loss_label, members_text, message_fields, operation_label,
    packet_name, payload_label, removal_warning, ruler_step, sparkline_points, tick_step_us,
    transfer_warning, write_compacted_label,
};
pub use ring::{
    BADGE_RADIUS, Bounds, CANVAS_ZOOM_MAX, CAPTION_LINE_HEIGHT, CAPTIONED_CANVAS, Caption,
    CaptionPlace, CaptionSide, DETAILED_CAPTION_WIDTH, NODE_GAP_MIN, NODE_HALO, NODE_LABEL_PX_MIN,
    NODE_RADIUS_MAX, NODE_RADIUS_MIN, NodeLabels, SIDE_CAPTION_WIDTH, TIMER_ARC_GAP,
    TIMER_ARC_WIDTH, badge_bounds, canvas_zoom, caption_lines, neighbour_distance, node_labels,
    node_radius, place_badge, place_caption, ring_geometry, ring_position, sideways, window_zoom,
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
    /// leave no partition to name (`Network::partition_groups`).
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

    /// The outline of this kind's mark. Every kind has its own, so that shape alone tells the
    /// kinds apart (for readers who cannot tell the colours apart), except a heartbeat, which
    /// is an AppendEntries with nothing in it and is drawn as a smaller dot.
    pub fn shape(self) -> MarkShape {
        match self {
            MessageKind::PreVote | MessageKind::RequestVote => MarkShape::Polygon(&DIAMOND),
            MessageKind::InstallSnapshot => MarkShape::Polygon(&SQUARE),
            MessageKind::TimeoutNow => MarkShape::Polygon(&TRIANGLE_UP),
            MessageKind::ReadIndex => MarkShape::Polygon(&PLUS),
            MessageKind::Client => MarkShape::Polygon(&TRIANGLE_DOWN),
            MessageKind::AppendEntries | MessageKind::Heartbeat => MarkShape::Circle,
        }
    }
}

/// A message mark's outline, in units of its size, centred on the origin (y grows downwards,
/// as on a canvas). The ring draws it and the Help panel's legend draws it as SVG, from this
/// one description.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MarkShape {
    Circle,
    Polygon(&'static [(f64, f64)]),
}

const DIAMOND: [(f64, f64); 4] = [(0.0, -1.0), (1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)];
const SQUARE: [(f64, f64); 4] = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)];
const TRIANGLE_UP: [(f64, f64); 3] = [(0.0, -1.0), (1.0, 1.0), (-1.0, 1.0)];
const TRIANGLE_DOWN: [(f64, f64); 3] = [(-1.0, -1.0), (1.0, -1.0), (0.0, 1.0)];
const PLUS: [(f64, f64); 12] = [
    (-0.4, -1.0),
    (0.4, -1.0),
    (0.4, -0.4),
    (1.0, -0.4),
    (1.0, 0.4),
    (0.4, 0.4),
    (0.4, 1.0),
    (-0.4, 1.0),
    (-0.4, 0.4),
    (-1.0, 0.4),
    (-1.0, -0.4),
    (-0.4, -0.4),
];

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
    /// On its way over a link cut since it left: lost when it arrives, unless the link heals
    /// first (`Network::crosses_a_cut`).
    pub over_a_cut: bool,
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
    /// Directed slow links and the latency each adds, in µs.
    pub slow: Vec<((NodeId, NodeId), u64)>,
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
        let network = simulation.network();
        // With nothing blocked there is one group and no letters: no work every frame.
        if network.blocked_links().next().is_some() {
            let ids: Vec<NodeId> = nodes.iter().map(|node| node.id).collect();
            if let Some(groups) = network.partition_groups(&ids)
                && groups.len() > 1
            {
                for node in &mut nodes {
                    let index = groups.iter().position(|group| group.contains(&node.id));
                    node.group = index.map(group_letter);
                }
            }
        }
        let messages = network
            .in_flight()
            .map(|message| message_view(message, now_us, network.crosses_a_cut(message)))
            .collect();
        ClusterView {
            now_us,
            nodes,
            messages,
            blocked: network.blocked_links().copied().collect(),
            // A blocked link carries nothing, however slow: drawn slow, it read as slow.
            slow: network
                .slow_links()
                .filter(|&(&(from, to), _)| !network.is_blocked(from, to))
                .map(|(&link, &extra_us)| (link, extra_us))
                .collect(),
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
    // A node that may not campaign (a learner, a removed server that knows it) still runs the
    // timer, but its expiry starts nothing: no arc promises an election.
    let timer_left = raft
        .filter(|raft| raft.can_campaign())
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

fn message_view(
    message: &crate::sim::network::InFlight,
    now_us: u64,
    over_a_cut: bool,
) -> MessageView {
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
        over_a_cut,
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

/// The slowest and fastest speeds the page plays at, as virtual time per wall-clock time.
pub const SPEED_MIN: f64 = 0.001;
pub const SPEED_MAX: f64 = 10.0;

/// The speed slider runs from 0 to this; its position is log-scaled to the speed.
pub const SLIDER_STEPS: f64 = 1_000.0;

pub fn speed_to_slider(speed: f64) -> f64 {
    let span = math::ln(SPEED_MAX / SPEED_MIN);
    (math::ln(speed / SPEED_MIN) / span * SLIDER_STEPS).clamp(0.0, SLIDER_STEPS)
}

pub fn slider_to_speed(position: f64) -> f64 {
    let span = math::ln(SPEED_MAX / SPEED_MIN);
    (SPEED_MIN * math::exp(position / SLIDER_STEPS * span)).clamp(SPEED_MIN, SPEED_MAX)
}

/// "×1/250", "×0.4", "×10": readable speeds. Slower than real time, a fraction with a whole
/// denominator where one is within 5 % (×1/10, ×1/8, ×1/1000, and ×1/5 for the `-` key's
/// halvings from ×0.4), else a decimal (×0.4, ×0.75), so that the `+` key's doublings read
/// ×1/10, ×1/5, ×0.4, ×0.8: never ×1/3 for 0.4. Faster, a decimal (×2.5).
pub fn speed_label(speed: f64) -> String {
    if speed >= 1.0 {
        return format!("×{speed:.1}").replace(".0", "");
    }
    let denominator = (1.0 / speed).round();
    if denominator >= 2.0 && (denominator * speed - 1.0).abs() <= 0.05 {
        format!("×1/{}", denominator as u64)
    } else {
        format!("×{speed:.2}").trim_end_matches('0').to_string()
    }
}

pub fn format_time(us: u64) -> String {
    format!("{}.{:03} s", us / 1_000_000, (us / 1_000) % 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_kinds_differ_in_shape_not_only_in_colour() {
        // Kinds that share an outline are told apart otherwise: a pre-vote is hollow, a
        // heartbeat is smaller. Any other two must differ in outline.
        let shares_on_purpose = |a, b| {
            use MessageKind::*;
            matches!((a, b), (PreVote, RequestVote) | (AppendEntries, Heartbeat))
        };
        for (i, &a) in MessageKind::ALL.iter().enumerate() {
            for &b in &MessageKind::ALL[i + 1..] {
                if !shares_on_purpose(a, b) {
                    assert_ne!(a.shape(), b.shape(), "{a:?} and {b:?}");
                }
            }
        }
        for kind in MessageKind::ALL {
            if let MarkShape::Polygon(corners) = kind.shape() {
                let inside = |&(x, y): &(f64, f64)| x.abs() <= 1.0 && y.abs() <= 1.0;
                assert!(corners.iter().all(inside), "{kind:?} fits its size");
            }
        }
    }

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
        assert_eq!(speed_label(10.0), "×10");
        // The `+` key doubles from ×1/10: it used to read ×1/5, ×1/3, ×0.80.
        let doubled: Vec<String> = [0.1, 0.2, 0.4, 0.8, 1.6].map(speed_label).into();
        assert_eq!(doubled, ["×1/10", "×1/5", "×0.4", "×0.8", "×1.6"]);
        // Halving from ×10 reaches 0.156: not ×1/6, 7 % off.
        assert_eq!(speed_label(10.0 / 64.0), "×0.16");
    }

    #[test]
    fn the_view_marks_the_copies_a_duplicating_network_makes() {
        // Every message between nodes is copied: each copy is marked, each original is not,
        // and a copy still in flight beside its original goes the same way.
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 4, "nodes": 3, "config": {"duplicate": 1.0}, "until_ms": 1500}"#,
        );
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
    fn the_view_marks_messages_on_their_way_over_a_link_cut_since() {
        // S3 is cut off at 1000 ms, when messages to and from it are on their way (20 ms).
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 3, "nodes": 3, "config": {"latency_ms": [20, 20]},
                "timeline": [{"at_ms": 1000, "do": "partition", "groups": [[1, 2]]}],
                "until_ms": 1000}"#,
        );
        simulation.run();
        let view = ClusterView::of(&simulation);
        let touches_s3 = |m: &MessageView| {
            matches!(m.from, Endpoint::Node(3)) || matches!(m.to, Endpoint::Node(3))
        };
        assert!(view.messages.iter().any(touches_s3), "{:?}", view.messages);
        assert!(
            view.messages.iter().any(|m| !touches_s3(m)),
            "and between S1 and S2"
        );
        for message in &view.messages {
            assert_eq!(message.over_a_cut, touches_s3(message), "{message:?}");
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
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 4, "nodes": 5, "until_ms": 2000, "timeline": [
                {"at_ms": 500, "do": "partition", "groups": [[1, 4], [2, 3, 5]]},
                {"at_ms": 1500, "do": "heal"}]}"#,
        );
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
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 4, "nodes": 5, "until_ms": 1000, "timeline": [
                {"at_ms": 500, "do": "cut", "from": 1, "to": 2},
                {"at_ms": 500, "do": "cut", "from": 2, "to": 1}]}"#,
        );
        simulation.run();
        let view = ClusterView::of(&simulation);
        assert!(
            view.nodes.iter().all(|node| node.group.is_none()),
            "a cut names no groups"
        );
    }

    #[test]
    fn the_view_carries_slow_links_until_a_heal() {
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 4, "nodes": 3, "until_ms": 1000, "timeline": [
                {"at_ms": 500, "do": "slow_link", "from": 1, "to": 3, "extra_ms": 200},
                {"at_ms": 900, "do": "heal"}]}"#,
        );
        simulation.run_until(600_000);
        assert_eq!(ClusterView::of(&simulation).slow, [((1, 3), 200_000)]);
        simulation.run();
        assert!(ClusterView::of(&simulation).slow.is_empty(), "healed");
    }

    /// A link both blocked and slowed is drawn blocked only: drawn slow too, it read as a slow
    /// link that carries messages.
    #[test]
    fn a_blocked_link_is_not_drawn_slow() {
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 4, "nodes": 3, "until_ms": 1000, "timeline": [
                {"at_ms": 500, "do": "slow_link", "from": 1, "to": 3, "extra_ms": 200},
                {"at_ms": 500, "do": "slow_link", "from": 2, "to": 3, "extra_ms": 100},
                {"at_ms": 600, "do": "cut", "from": 1, "to": 3}]}"#,
        );
        simulation.run();
        let view = ClusterView::of(&simulation);
        assert_eq!(view.slow, [((2, 3), 100_000)]);
        assert!(view.blocked.contains(&(1, 3)));
    }

    #[test]
    fn a_server_that_may_not_campaign_has_no_timer_arc() {
        // S1 leads, removes itself, and steps down once that commits: it knows it is out.
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 4, "nodes": 3, "until_ms": 6000, "timeline": [
                {"at_ms": 3000, "do": "remove_node", "node": 1}]}"#,
        );
        simulation.run();
        let view = ClusterView::of(&simulation);
        assert_eq!(view.nodes[0].look, NodeLook::Removed);
        assert_eq!(
            view.nodes[0].timer_left, None,
            "S1's timeout starts nothing"
        );
        let follower = view
            .nodes
            .iter()
            .find(|node| node.look == NodeLook::Follower);
        assert!(follower.is_some_and(|node| node.timer_left.is_some()));
    }

    #[test]
    fn the_view_shows_the_real_cluster() {
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 4, "nodes": 3, "timeline": [{"at_ms": 1000, "do": "crash", "node": 2}], "until_ms": 2000}"#,
        );
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
