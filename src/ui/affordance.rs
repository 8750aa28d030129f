//! Which of the page's actions can do something at this moment, and why not when one cannot.
//! The inspector greys out such buttons (their tooltip says why) and the engine refuses them
//! from every path, keyboard shortcuts included, with the same words: an action that can do
//! nothing is never written into the run's timeline, where a link would carry it.

use super::engine::Engine;
use crate::raft::{Bug, CompactError, NodeId};
use crate::scenario::Action;
use crate::sim::server::Status;
use crate::view::format_duration;

/// Why "Add node" is refused.
const RING_FULL_NOTICE: &str = "The ring holds at most 15 nodes (removed ones keep their place): there is no room for another.";

/// Why `action` cannot do anything now, or `None` if it can. Actions aimed at one node or one
/// message, and changes to the network's links, are judged; the rest (clients, settings)
/// always take effect.
pub fn refusal(engine: &Engine, action: &Action) -> Option<String> {
    match action {
        Action::Crash { node } => node_refusal(engine, *node, |status| match status {
            Status::Down => Some("is already down"),
            Status::Up | Status::Paused => None,
        }),
        Action::Restart { node } => node_refusal(engine, *node, |status| match status {
            Status::Down => None,
            Status::Up | Status::Paused => Some("is not down: only a crashed node restarts"),
        }),
        Action::Pause { node } => node_refusal(engine, *node, |status| match status {
            Status::Up => None,
            Status::Paused => Some("is already paused"),
            Status::Down => Some("is down"),
        }),
        Action::Resume { node } => node_refusal(engine, *node, |status| match status {
            Status::Paused => None,
            Status::Up | Status::Down => Some("is not paused"),
        }),
        Action::Timeout { node } => {
            node_refusal(engine, *node, up_only).or_else(|| campaign_refusal(engine, *node))
        }
        Action::Snapshot { node } => node_refusal(engine, *node, |status| match status {
            Status::Down => Some("is down: a snapshot is taken of a running state machine"),
            Status::Paused => Some("is paused: a stopped process takes no snapshot"),
            Status::Up => None,
        })
        .or_else(|| snapshot_refusal(engine, *node)),
        Action::TransferLeader { to } => {
            node_refusal(engine, *to, up_only).or_else(|| transfer_refusal(engine, *to))
        }
        Action::RemoveNode { node } => node_refusal(engine, *node, |_| None).or_else(|| {
            (!engine.simulation().configuration().contains(*node))
                .then(|| format!("S{node} is not in the configuration any more."))
        }),
        Action::AddNode => ring_full(engine).then(|| RING_FULL_NOTICE.into()),
        Action::DropMessage { id }
        | Action::DelayMessage { id, .. }
        | Action::DuplicateMessage { id } => message_refusal(engine, *id),
        Action::Heal | Action::Partition { .. } | Action::Cut { .. } | Action::SlowLink { .. } => {
            link_refusal(engine, action)
        }
        _ => None,
    }
}

/// Whether the ring has no room for another node. Removed nodes keep their place on it (to
/// show what became of them), so they count. Links made elsewhere may hold more nodes, up to
/// the scenario limit of node ids; the page adds no more than its ring was laid out for.
fn ring_full(engine: &Engine) -> bool {
    engine.simulation().servers().count() >= crate::scenario::limits::NODES_MAX as usize
}

fn up_only(status: Status) -> Option<&'static str> {
    match status {
        Status::Up => None,
        Status::Paused => Some("is paused"),
        Status::Down => Some("is down"),
    }
}

/// Refuses when node `id` does not exist, or when `by_status` objects to its status.
fn node_refusal(
    engine: &Engine,
    id: NodeId,
    by_status: impl FnOnce(Status) -> Option<&'static str>,
) -> Option<String> {
    match engine.simulation().server(id) {
        None => Some(format!("There is no node S{id}.")),
        Some(server) => by_status(server.status).map(|why| format!("S{id} {why}.")),
    }
}

/// A forced timeout starts an election only on a node that may campaign, and outside a
/// leader's lease (the core refuses it there: `RaftNode::trigger_election_timeout`).
fn campaign_refusal(engine: &Engine, id: NodeId) -> Option<String> {
    let server = engine.simulation().server(id)?;
    let raft = server.raft.as_ref()?;
    let membership = raft.membership();
    let local_now = server.local_now(engine.acts_at_us());
    let lease_left = raft
        .leader_lease_promised_until_us()
        .filter(|_| {
            let config = raft.config();
            config.check_quorum && !config.bugs.contains(Bug::CampaignInsideLease)
        })
        .and_then(|until| until.checked_sub(local_now))
        .filter(|&left| left > 0);
    if raft.is_leader() {
        Some(format!("S{id} leads: a leader has no election timer."))
    } else if let Some(left) = lease_left {
        Some(format!(
            "S{id} heard from a leader within the minimum election timeout. With check-quorum \
             that leader's lease counts on it to vote for no one, itself included, for {} more \
             (thesis §6.4.1), so its timer cannot fire yet.",
            format_duration(left)
        ))
    } else if raft.can_campaign() {
        None
    } else if membership.is_learner(id) || engine.simulation().configuration().is_learner(id) {
        // A new learner may not have received the configuration that adds it yet.
        Some(format!(
            "S{id} is a learner: learners do not vote or campaign."
        ))
    } else if !membership.is_voter(id) {
        Some(format!(
            "S{id} is not in its configuration, so it does not campaign."
        ))
    } else {
        Some(format!(
            "S{id} does not campaign until it applies the configuration change in its log."
        ))
    }
}

/// A snapshot on demand covers everything the node has applied (`Simulation`'s
/// `snapshot_now`), so it needs something applied since the last one.
fn snapshot_refusal(engine: &Engine, id: NodeId) -> Option<String> {
    let raft = engine.simulation().server(id)?.raft.as_ref()?;
    let applied = raft.applied_index();
    raft.check_compact(applied).err().map(|error| match error {
        CompactError::AlreadyCompacted { snapshot_index, .. } => format!(
            "S{id} has applied nothing since its snapshot at index {snapshot_index}: there is \
             nothing new to compact."
        ),
        CompactError::NotCommitted { commit_index, .. } => format!(
            "S{id} has applied entries past its commit index {commit_index}, and a snapshot \
             covers only committed entries."
        ),
        CompactError::NotApplied { .. } => format!("S{id} has nothing applied to compact."),
    })
}

/// Leadership goes from a live leader to another voter of the cluster's configuration.
fn transfer_refusal(engine: &Engine, to: NodeId) -> Option<String> {
    let simulation = engine.simulation();
    match simulation.leader() {
        None => Some("There is no leader to transfer leadership from.".to_string()),
        Some(leader) if leader == to => Some(format!("S{to} already leads.")),
        Some(_) if !simulation.configuration().is_voter(to) => Some(format!(
            "S{to} is not a voter of the configuration, so it cannot lead."
        )),
        Some(_) => None,
    }
}

/// A change to the links that leaves them as they are: in the past it would still fork the
/// run, and throw away everything after it.
fn link_refusal(engine: &Engine, action: &Action) -> Option<String> {
    let simulation = engine.simulation();
    let network = simulation.network();
    let nodes = simulation.node_ids();
    let whole = network.blocked_links().next().is_none() && network.slow_links().next().is_none();
    match action {
        Action::Heal => whole
            .then(|| "The network is whole: no partition, cut or slow link to heal.".to_string()),
        Action::Partition { groups } => {
            let group_of = |node| groups.iter().position(|group| group.contains(&node));
            let unchanged = nodes.iter().all(|&a| {
                nodes.iter().all(|&b| {
                    let apart = a != b && (group_of(a).is_none() || group_of(a) != group_of(b));
                    network.is_blocked(a, b) == apart
                })
            });
            unchanged.then(|| "The network has these groups already.".to_string())
        }
        Action::Cut { from, to } => network
            .is_blocked(*from, *to)
            .then(|| format!("S{from} → S{to} is cut already.")),
        Action::SlowLink { from, to, extra_ms } => {
            let now_ms = network
                .slow_links()
                .find(|(link, _)| **link == (*from, *to))
                .map_or(0, |(_, extra_us)| extra_us / 1_000);
            (now_ms == *extra_ms).then(|| match extra_ms {
                0 => format!("S{from} → S{to} is not slowed down."),
                _ => format!("S{from} → S{to} is slowed down by {extra_ms} ms already."),
            })
        }
        _ => None,
    }
}

/// Only a message still on its way, and not already lost, can be dropped, delayed or copied.
fn message_refusal(engine: &Engine, id: u64) -> Option<String> {
    match engine.simulation().network().get(id) {
        None => Some(format!("Message #{id} is no longer on its way.")),
        Some(message) if message.lost.is_some() => {
            Some(format!("Message #{id} is lost: it will never arrive."))
        }
        Some(_) if !engine.can_act_on(id) => Some(format!(
            "Message #{id} arrives within this millisecond, before an action taken now would take effect."
        )),
        Some(_) => None,
    }
}
