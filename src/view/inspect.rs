//! The inspection side of the view: pure helpers for the log panel, the inspector, the
//! metrics and the space-time diagram, so the page's arithmetic and wording are tested natively.

use crate::raft::{MessageBody, NodeId};
use crate::sim::network::{LossReason, Packet, Reply};

/// The first log index the log panel shows in `fit` cells when the longest log ends at
/// `highest`. Following the tail, the last cell is the slot after `highest` (where the next
/// entry goes, and where a caught-up follower's next index points); scrolled back, the
/// requested index, kept in range.
pub fn log_first_shown(highest: u64, fit: u64, follow_tail: bool, requested: u64) -> u64 {
    let last_first = (highest + 2).saturating_sub(fit.max(1)).max(1);
    if follow_tail {
        last_first
    } else {
        requested.clamp(1, last_first)
    }
}

/// Writes the label of a node's compacted prefix when it ends before the log panel's window,
/// drawn right-aligned in the names' column: "≤9 t2", or "≤142628" without its term where the
/// whole would be longer than `room_chars` and run into the node's name.
pub fn write_compacted_label(text: &mut String, index: u64, term: u64, room_chars: usize) {
    use std::fmt::Write;
    let _ = write!(text, "≤{index} t{term}");
    if text.chars().count() > room_chars {
        text.clear();
        let _ = write!(text, "≤{index}");
    }
}

/// The cluster in a few words, for readers who cannot see the ring: the canvas's description,
/// and a live region that tells a screen reader when a leader is elected or lost, or a node
/// goes down or is paused ("Leader S3, term 2. S1 down.").
pub fn cluster_summary(simulation: &crate::sim::Simulation) -> String {
    use crate::sim::server::Status;
    let leader = simulation.leader().and_then(|id| {
        let raft = simulation.server(id)?.raft.as_ref()?;
        Some(format!("Leader S{id}, term {}.", raft.current_term()))
    });
    let mut summary = leader.unwrap_or_else(|| "No leader.".to_string());
    for server in simulation.servers() {
        let state = match server.status {
            Status::Down => "down",
            Status::Paused => "paused",
            Status::Up => continue,
        };
        summary += &format!(" S{} {state}.", server.id);
    }
    summary
}

/// A readable spacing for labels on an axis: the smallest of 1, 2, 5, 10, 20, 50, ... that is
/// at least `at_least`.
pub fn nice_step(at_least: u64) -> u64 {
    let mut step = 1;
    loop {
        for factor in [1, 2, 5] {
            if step * factor >= at_least {
                return step * factor;
            }
        }
        step *= 10;
    }
}

/// Every how many cells the log panel's ruler writes an index, leaving at least `min_gap_px`
/// between labels.
pub fn ruler_step(cell_width_px: f64, min_gap_px: f64) -> u64 {
    nice_step((min_gap_px / cell_width_px).ceil() as u64)
}

/// A tick spacing for a time axis spanning `span_us` with at most about `ticks` ticks.
pub fn tick_step_us(span_us: u64, ticks: u64) -> u64 {
    nice_step(span_us.div_ceil(ticks.max(1)))
}

/// A readable duration: "850 µs", "12.5 ms", "1.25 s".
pub fn format_duration(us: u64) -> String {
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 100_000 {
        format!("{:.1} ms", us as f64 / 1_000.0).replace(".0 ", " ")
    } else if us < 1_000_000 {
        format!("{} ms", us / 1_000)
    } else {
        format!("{:.2} s", us as f64 / 1_000_000.0)
    }
}

/// A count with its thousands grouped, as people read them: "2,000,000".
pub fn format_count(count: u64) -> String {
    let digits = count.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// Why a message was lost, in words.
pub fn loss_label(reason: LossReason) -> &'static str {
    match reason {
        LossReason::Random => "lost at random (network loss)",
        LossReason::QueueFull => "dropped: the link's queue was full",
        LossReason::Partition => "lost to a partition or cut link",
        LossReason::DroppedByUser => "dropped by you",
        LossReason::TargetDown => "lost: the receiver was down",
        LossReason::InboxFull => "lost: the paused receiver's inbox was full",
    }
}

/// A client operation in words: `put x = "1"`, `cas x: "1" → absent`.
pub fn operation_label(operation: &crate::kv::Operation) -> String {
    use crate::kv::Operation;
    let value = |value: &Option<String>| match value {
        Some(value) => format!("{value:?}"),
        None => "absent".to_string(),
    };
    match operation {
        Operation::Get { key } => format!("get {key}"),
        Operation::Put { key, value } => format!("put {key} = {value:?}"),
        Operation::Delete { key } => format!("delete {key}"),
        Operation::CompareAndSet { key, expected, new } => {
            format!("cas {key}: {} → {}", value(expected), value(new))
        }
        Operation::Barrier { backup_id } => format!("backup barrier #{backup_id}"),
    }
}

/// A configuration's members: `voters S1 S2 S3; learners S4`. A node that has joined but not
/// yet received a configuration (a new learner with an empty log) knows of none.
pub fn members_text(membership: &crate::raft::Membership) -> String {
    if membership.voters.is_empty() && membership.learners.is_empty() {
        return "none known yet (no configuration in its log)".to_string();
    }
    let names = |ids: &std::collections::BTreeSet<NodeId>| {
        ids.iter()
            .map(|id| format!("S{id}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if membership.learners.is_empty() {
        format!("voters {}", names(&membership.voters))
    } else {
        format!(
            "voters {}; learners {}",
            names(&membership.voters),
            names(&membership.learners)
        )
    }
}

/// Why removing `node` would stop the cluster from committing, when it would: fewer of the
/// voters left are up than a majority of them. A server uses a configuration as soon as it is
/// in its log (thesis §4.1), so from then on, the removal itself included, entries need a
/// majority of the new voters.
pub fn removal_warning(
    configuration: &crate::raft::Membership,
    node: NodeId,
    is_up: impl Fn(NodeId) -> bool,
) -> Option<String> {
    if !configuration.voters.contains(&node) {
        return None;
    }
    let left: Vec<NodeId> = configuration
        .voters
        .iter()
        .copied()
        .filter(|&voter| voter != node)
        .collect();
    if left.is_empty() {
        return Some(format!(
            "Removing S{node} would leave no voters: nothing could commit again."
        ));
    }
    let up = left.iter().filter(|&&voter| is_up(voter)).count();
    let majority = left.len() / 2 + 1;
    (up < majority).then(|| {
        format!(
            "Removing S{node} leaves {} voters, {up} of them up: a majority is {majority}, so \
             nothing commits, the removal included, until enough of them run again.",
            left.len()
        )
    })
}

/// Thesis §3.10: a transfer catches its target up, then sends it TimeoutNow. A leader that
/// cannot reach the target does neither, takes no writes meanwhile, and gives up after an
/// election timeout; said before the button is pressed, since the transfer is allowed (seeing
/// it give up is a lesson of its own).
pub fn transfer_warning(
    leader: NodeId,
    target: NodeId,
    is_blocked: impl Fn(NodeId, NodeId) -> bool,
) -> Option<String> {
    is_blocked(leader, target).then(|| {
        format!(
            "The leader S{leader} cannot reach S{target}: a transfer here gives up after an \
             election timeout, and S{leader} takes no writes until then."
        )
    })
}

/// A configuration in words: `membership: voters S1 S2 S3; learners S4`.
fn membership_label(membership: &crate::raft::Membership) -> String {
    format!("membership: {}", members_text(membership))
}

/// What a log entry carries, in words.
pub fn payload_label(payload: &crate::raft::Payload) -> String {
    use crate::raft::Payload;
    match payload {
        Payload::Noop => "no-op (a new leader's first entry)".to_string(),
        Payload::Command(data) => match crate::kv::Command::decode(data) {
            Ok(command) => format!(
                "{} (client {} #{})",
                operation_label(&command.operation),
                command.client_id,
                command.sequence
            ),
            Err(_) => format!("command of {} bytes (unreadable)", data.len()),
        },
        Payload::Membership(membership) => membership_label(membership),
    }
}

fn reply_label(reply: &Reply) -> String {
    use crate::kv::Response;
    match reply {
        Reply::Done(Response::Value(Some(value))) => format!("value {value:?}"),
        Reply::Done(Response::Value(None)) => "value: absent".to_string(),
        Reply::Done(Response::Done) => "done".to_string(),
        Reply::Done(Response::CompareAndSet { succeeded, current }) => format!(
            "cas {}; now {}",
            if *succeeded { "succeeded" } else { "failed" },
            current
                .as_ref()
                .map_or("absent".to_string(), |value| format!("{value:?}"))
        ),
        Reply::Done(Response::Barrier { backup_id }) => format!("barrier #{backup_id} applied"),
        Reply::Done(Response::Forgotten { last_sequence }) => {
            format!("forgotten (latest applied #{last_sequence})")
        }
        Reply::Redirect { leader_hint } => match leader_hint {
            Some(leader) => format!("not the leader; try S{leader}"),
            None => "not the leader; no leader known".to_string(),
        },
        Reply::Busy(reason) => format!("busy: {reason}"),
        Reply::Lost => "lost: its log position went to another entry".to_string(),
    }
}

/// A message's name: the Raft message kind, or "client request" / "client response".
pub fn packet_name(packet: &Packet) -> &'static str {
    match packet {
        Packet::Raft(message) => message.body.kind(),
        Packet::Request(_) => "client request",
        Packet::Response(_) => "client response",
    }
}

/// A message's fields in words, named as the Raft paper names them. At most `MAX_ENTRIES_SHOWN`
/// entries of an AppendEntries are listed one by one.
pub fn message_fields(packet: &Packet) -> Vec<(String, String)> {
    let field = |name: &str, value: String| (name.to_string(), value);
    match packet {
        Packet::Raft(message) => {
            let mut fields = vec![field("term", message.term.to_string())];
            fields.extend(body_fields(&message.body));
            fields
        }
        Packet::Request(request) => vec![
            field("client", request.client_id.to_string()),
            field("sequence", request.command.sequence.to_string()),
            field("attempt", request.attempt.to_string()),
            field("operation", operation_label(&request.command.operation)),
            field("read", request.read.name().replace('_', " ")),
        ],
        Packet::Response(response) => vec![
            field("client", response.client_id.to_string()),
            field("sequence", response.sequence.to_string()),
            field("attempt", response.attempt.to_string()),
            field("reply", reply_label(&response.reply)),
        ],
    }
}

/// AppendEntries entries listed one by one in the inspector; more are summarised.
pub const MAX_ENTRIES_SHOWN: usize = 12;

fn body_fields(body: &MessageBody) -> Vec<(String, String)> {
    use crate::raft::AppendOutcome;
    let field = |name: &str, value: String| (name.to_string(), value);
    let yes_no = |value: bool| if value { "yes" } else { "no" }.to_string();
    match body {
        MessageBody::PreVote {
            last_log_index,
            last_log_term,
        } => vec![
            field("last log index", last_log_index.to_string()),
            field("last log term", last_log_term.to_string()),
        ],
        MessageBody::RequestVote {
            last_log_index,
            last_log_term,
            leadership_transfer,
        } => vec![
            field("last log index", last_log_index.to_string()),
            field("last log term", last_log_term.to_string()),
            field("leadership transfer", yes_no(*leadership_transfer)),
        ],
        MessageBody::PreVoteResponse { granted } | MessageBody::RequestVoteResponse { granted } => {
            vec![field("vote granted", yes_no(*granted))]
        }
        MessageBody::AppendEntries {
            prev_log_index,
            prev_log_term,
            entries,
            leader_commit,
        } => {
            let mut fields = vec![
                field("prev log index", prev_log_index.to_string()),
                field("prev log term", prev_log_term.to_string()),
                field("leader commit", leader_commit.to_string()),
                field("entries", entries.len().to_string()),
            ];
            for entry in entries.iter().take(MAX_ENTRIES_SHOWN) {
                fields.push((
                    format!("  {} (term {})", entry.index, entry.term),
                    payload_label(&entry.payload),
                ));
            }
            if entries.len() > MAX_ENTRIES_SHOWN {
                let more = entries.len() - MAX_ENTRIES_SHOWN;
                fields.push(field("  …", format!("{more} more")));
            }
            fields
        }
        MessageBody::AppendEntriesResponse { outcome } => match outcome {
            AppendOutcome::Success { match_index } => vec![
                field("success", "yes".to_string()),
                field("match index", match_index.to_string()),
            ],
            AppendOutcome::Conflict {
                prev_log_index,
                conflict_term,
                conflict_index,
            } => vec![
                // Too short is also what a follower answers to an append that overtook an
                // earlier one on the network: harmless, and worth saying.
                field(
                    "success",
                    conflict_term
                        .map_or(
                            "no: its log is too short (an earlier append may still be on its way)",
                            |_| "no: its entry at prev log index has another term",
                        )
                        .to_string(),
                ),
                field("prev log index", prev_log_index.to_string()),
                field(
                    "conflict term",
                    conflict_term.map_or("none".to_string(), |t| t.to_string()),
                ),
                field("conflict index", conflict_index.to_string()),
            ],
            AppendOutcome::StaleTerm => {
                vec![field(
                    "success",
                    "no: the leader's term is stale".to_string(),
                )]
            }
        },
        MessageBody::Heartbeat {
            leader_commit,
            round,
        } => vec![
            field("leader commit", leader_commit.to_string()),
            field("round", round.to_string()),
        ],
        MessageBody::HeartbeatResponse { round } => vec![field("round", round.to_string())],
        MessageBody::InstallSnapshot {
            last_included_index,
            last_included_term,
            membership,
            offset,
            total_bytes,
            chunk,
        } => vec![
            field("last included index", last_included_index.to_string()),
            field("last included term", last_included_term.to_string()),
            field(
                "chunk",
                format!(
                    "bytes {}..{} of {total_bytes}",
                    offset,
                    offset + chunk.len() as u64
                ),
            ),
            field("membership", membership_label(membership)),
        ],
        MessageBody::InstallSnapshotResponse {
            last_included_index,
            offset,
            next_offset,
            match_index,
        } => vec![
            field("last included index", last_included_index.to_string()),
            field("answers the chunk at", offset.to_string()),
            field("bytes held", next_offset.to_string()),
            field(
                "installed",
                match_index.map_or("not yet".to_string(), |index| {
                    format!("yes, match index {index}")
                }),
            ),
        ],
        MessageBody::TimeoutNow => vec![field("meaning", "start an election now".to_string())],
        MessageBody::ReadIndex { read_id } => vec![field("read id", read_id.to_string())],
        MessageBody::ReadIndexResponse {
            read_id,
            read_index,
        } => vec![
            field("read id", read_id.to_string()),
            field(
                "read index",
                read_index.map_or("refused".to_string(), |index| index.to_string()),
            ),
        ],
    }
}

/// One follower as its leader sees it (paper Figure 2, "volatile state on leaders").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowerProgress {
    pub id: NodeId,
    pub match_index: u64,
    pub next_index: u64,
    /// "probe", "replicate" or "snapshot".
    pub state: &'static str,
    /// Whether the leader holds back appends to it for now.
    pub paused: bool,
    /// Appends sent and not yet acknowledged (pipelined replication).
    pub inflight: usize,
    /// How far it is behind the leader's last index.
    pub lag: u64,
    pub recent_active: bool,
}

/// The leader's view of every other member; empty unless `raft` leads.
pub fn follower_progress(raft: &crate::raft::RaftNode) -> Vec<FollowerProgress> {
    let last_index = raft.log().last_index();
    raft.progress()
        .into_iter()
        .flatten()
        .filter(|&(&id, _)| id != raft.id())
        .map(|(&id, progress)| FollowerProgress {
            id,
            match_index: progress.match_index,
            next_index: progress.next_index,
            state: progress.state_name(),
            paused: progress.is_paused(),
            inflight: match &progress.state {
                crate::raft::ProgressState::Replicate { inflight } => inflight.len(),
                _ => 0,
            },
            lag: last_index.saturating_sub(progress.match_index),
            recent_active: progress.recent_active,
        })
        .collect()
}

/// The points of a sparkline: `points` (x, y) scaled so `x_range` spans `width` and
/// 0..=`y_max` spans `height` (upwards), as SVG `points` text with one decimal.
pub fn sparkline_points(
    points: &[(f64, f64)],
    x_range: (f64, f64),
    y_max: f64,
    width: f64,
    height: f64,
) -> String {
    use std::fmt::Write;
    let x_span = (x_range.1 - x_range.0).max(f64::EPSILON);
    let y_max = y_max.max(f64::EPSILON);
    let mut text = String::with_capacity(points.len() * 12);
    for &(x, y) in points {
        let px = (x - x_range.0) / x_span * width;
        let py = height - (y / y_max).clamp(0.0, 1.0) * height;
        if !text.is_empty() {
            text.push(' ');
        }
        let _ = write!(text, "{px:.1},{py:.1}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_named_and_none_known_says_so() {
        let mut membership = crate::raft::Membership::with_voters(3);
        assert_eq!(members_text(&membership), "voters S1 S2 S3");
        membership.learners.insert(4);
        assert_eq!(members_text(&membership), "voters S1 S2 S3; learners S4");
        // A learner just added, whose log holds no configuration yet, used to read "voters ".
        assert_eq!(
            members_text(&crate::raft::Membership::default()),
            "none known yet (no configuration in its log)"
        );
    }

    /// A refusal says why: a log too short (also what an append that overtook an earlier one
    /// gets) is not a log that differs.
    #[test]
    fn an_append_refusal_says_whether_the_log_is_short_or_differs() {
        use crate::raft::AppendOutcome;
        let success = |conflict_term| {
            let outcome = AppendOutcome::Conflict {
                prev_log_index: 12,
                conflict_term,
                conflict_index: 11,
            };
            let fields = body_fields(&MessageBody::AppendEntriesResponse { outcome });
            fields[0].1.clone()
        };
        assert_eq!(
            success(None),
            "no: its log is too short (an earlier append may still be on its way)"
        );
        assert_eq!(
            success(Some(2)),
            "no: its entry at prev log index has another term"
        );
    }

    #[test]
    fn a_compacted_label_drops_its_term_rather_than_run_into_the_name() {
        let label = |index, term| {
            let mut text = String::new();
            write_compacted_label(&mut text, index, term, 8);
            text
        };
        assert_eq!(label(9, 2), "≤9 t2");
        assert_eq!(label(1234, 3), "≤1234 t3");
        assert_eq!(label(12345, 3), "≤12345");
        assert_eq!(label(142628, 2), "≤142628");
    }

    #[test]
    fn the_cluster_summary_names_the_leader_and_the_nodes_down_or_paused() {
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 7, "nodes": 3, "timeline": [{"at_ms": 2000, "do": "pause", "node": 3}], "until_ms": 2500}"#,
        );
        assert_eq!(cluster_summary(&simulation), "No leader.");
        simulation.run();
        let leader = simulation.leader().expect("a leader within 2.5 s");
        assert_ne!(
            leader, 3,
            "seed 7 elects another node than the one it pauses"
        );
        let term = simulation
            .server(leader)
            .unwrap()
            .raft
            .as_ref()
            .unwrap()
            .current_term();
        assert_eq!(
            cluster_summary(&simulation),
            format!("Leader S{leader}, term {term}. S3 paused.")
        );
    }

    #[test]
    fn counts_group_their_thousands() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_000), "1,000");
        assert_eq!(format_count(65_536), "65,536");
        assert_eq!(format_count(2_000_000), "2,000,000");
        assert_eq!(format_count(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn the_log_panel_follows_the_tail_or_stays_where_scrolled() {
        assert_eq!(
            log_first_shown(0, 40, true, 1),
            1,
            "an empty log starts at 1"
        );
        assert_eq!(log_first_shown(30, 40, true, 1), 1, "a short log fits");
        assert_eq!(
            log_first_shown(100, 40, true, 1),
            62,
            "the slot after 100 is last"
        );
        assert_eq!(log_first_shown(100, 40, false, 10), 10);
        assert_eq!(
            log_first_shown(100, 40, false, 500),
            62,
            "never past the tail"
        );
        assert_eq!(log_first_shown(100, 40, false, 0), 1);
        assert_eq!(
            log_first_shown(100, 0, true, 1),
            101,
            "zero cells still move"
        );
    }

    #[test]
    fn a_removal_that_leaves_no_live_majority_is_warned_of() {
        let configuration = crate::raft::Membership {
            voters: [1, 2, 3, 4, 5].into(),
            learners: [6].into(),
        };
        let down = |ids: &'static [NodeId]| move |id: NodeId| !ids.contains(&id);
        assert_eq!(
            removal_warning(&configuration, 1, down(&[2])),
            None,
            "3 of 4 up is a majority"
        );
        assert_eq!(
            removal_warning(&configuration, 1, down(&[2, 3])),
            Some(
                "Removing S1 leaves 4 voters, 2 of them up: a majority is 3, so nothing \
                 commits, the removal included, until enough of them run again."
                    .to_string()
            )
        );
        assert_eq!(
            removal_warning(&configuration, 2, down(&[2, 3])),
            None,
            "removing a down voter leaves 3 of 4 up"
        );
        assert_eq!(
            removal_warning(&configuration, 6, down(&[2, 3, 4])),
            None,
            "a learner's removal changes no majority"
        );
        let alone = crate::raft::Membership {
            voters: [1].into(),
            learners: Default::default(),
        };
        assert!(
            removal_warning(&alone, 1, |_| true).is_some_and(|text| text.contains("no voters"))
        );
    }

    #[test]
    fn a_transfer_to_a_node_the_leader_cannot_reach_is_warned_of() {
        let cut = |from: NodeId, to: NodeId| (from, to) == (1, 3);
        assert_eq!(transfer_warning(1, 2, cut), None);
        assert_eq!(
            transfer_warning(3, 1, cut),
            None,
            "only the leader's way matters"
        );
        assert_eq!(
            transfer_warning(1, 3, cut),
            Some(
                "The leader S1 cannot reach S3: a transfer here gives up after an election \
                 timeout, and S1 takes no writes until then."
                    .to_string()
            )
        );
    }

    #[test]
    fn ruler_labels_and_time_ticks_are_round_numbers() {
        assert_eq!(ruler_step(14.0, 30.0), 5);
        assert_eq!(ruler_step(40.0, 30.0), 1);
        assert_eq!(ruler_step(2.0, 30.0), 20);
        assert_eq!(tick_step_us(400_000, 8), 50_000);
        assert_eq!(tick_step_us(400_000, 4), 100_000);
        assert_eq!(tick_step_us(30_000_000, 5), 10_000_000);
        assert_eq!(tick_step_us(0, 0), 1);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(850), "850 µs");
        assert_eq!(format_duration(12_500), "12.5 ms");
        assert_eq!(format_duration(12_000), "12 ms");
        assert_eq!(format_duration(250_000), "250 ms");
        assert_eq!(format_duration(1_250_000), "1.25 s");
    }

    #[test]
    fn messages_read_in_the_papers_words() {
        use crate::raft::{Entry, Message, Payload};
        let command = crate::kv::Command {
            client_id: 3,
            sequence: 7,
            operation: crate::kv::Operation::Put {
                key: "x".into(),
                value: "1".into(),
            },
        };
        let append = Packet::Raft(Message {
            from: 1,
            to: 2,
            term: 4,
            body: MessageBody::AppendEntries {
                prev_log_index: 9,
                prev_log_term: 3,
                entries: vec![Entry {
                    index: 10,
                    term: 4,
                    payload: Payload::Command(command.encode()),
                }],
                leader_commit: 8,
            },
        });
        let fields = message_fields(&append);
        let get = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("term").as_deref(), Some("4"));
        assert_eq!(get("prev log index").as_deref(), Some("9"));
        assert_eq!(get("entries").as_deref(), Some("1"));
        assert_eq!(
            get("  10 (term 4)").as_deref(),
            Some(r#"put x = "1" (client 3 #7)"#)
        );
        assert_eq!(packet_name(&append), "AppendEntries");
        assert!(payload_label(&Payload::Noop).starts_with("no-op"));
        assert_eq!(
            payload_label(&Payload::Command(vec![0xff; 3].into())),
            "command of 3 bytes (unreadable)"
        );
    }

    #[test]
    fn a_leader_reports_each_followers_progress() {
        let mut simulation = crate::sim::test_simulation(
            r#"{"format": 1, "seed": 5, "nodes": 3, "workload": {"writes_per_sec": 10}, "until_ms": 2000}"#,
        );
        simulation.run();
        let leader = simulation.leader().expect("a leader by 2 s");
        let raft = simulation.server(leader).unwrap().raft.as_ref().unwrap();
        let rows = follower_progress(raft);
        assert_eq!(rows.len(), 2, "one row per follower, none for the leader");
        for row in &rows {
            assert!(row.match_index < row.next_index);
            assert_eq!(row.lag, raft.log().last_index() - row.match_index);
        }
        let follower = rows[0].id;
        let follower_raft = simulation.server(follower).unwrap().raft.as_ref().unwrap();
        assert!(follower_progress(follower_raft).is_empty());
    }

    #[test]
    fn sparklines_scale_into_their_box() {
        let points = sparkline_points(
            &[(0.0, 0.0), (5.0, 10.0), (10.0, 20.0)],
            (0.0, 10.0),
            10.0,
            100.0,
            20.0,
        );
        assert_eq!(points, "0.0,20.0 50.0,0.0 100.0,0.0");
        assert_eq!(sparkline_points(&[], (0.0, 1.0), 1.0, 10.0, 10.0), "");
    }
}
