//! The network between nodes and clients: every message gets a stable id, a latency drawn from
//! the configured range (so messages reorder), and a fate — delivered, or lost to random loss,
//! a full link queue, a partition or a person's click. Lost messages stay visible until their
//! arrival time so the page can show them vanish.
//!
//! Partitions and cuts are directed links that lose everything; a link cut while a message is
//! on it loses that message too (the check is repeated at arrival).
//!
//! The network also remembers the latest messages to leave it, whole and with how they ended:
//! nothing in the run reads that memory, so it changes nothing that happens, but it lets the
//! page draw and inspect recent messages at any moment, also right after a seek or a link.

use std::collections::{BTreeMap, VecDeque};

use super::rng::Stream;
use crate::kv;
use crate::raft::{Message, NodeId};
use crate::scenario::ReadKind;

/// Messages in flight on one directed link at most; more are dropped (a bounded queue).
pub const MAX_IN_FLIGHT_PER_LINK: u32 = 256;
/// How long departed messages are remembered, in virtual time: the page's space-time window
/// (400 ms) and a margin.
pub const DEPARTED_KEPT_US: u64 = 500_000;
/// At most this many are remembered: 400 ms of 15 nodes with 100 writes a second, but not of
/// 15 nodes that also serve 100 ReadIndex reads a second (then the oldest part is forgotten,
/// and `remembers_from_us` says from when).
const DEPARTED_KEPT: usize = 4_096;

/// One end of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    Node(NodeId),
    Client(u64),
}

impl Endpoint {
    /// One number per endpoint, for maps keyed by links: a client's id with the top bit set.
    /// Node and client ids are counters far below 2^63, so no two endpoints share a key.
    fn link_key(self) -> u64 {
        const CLIENT_BIT: u64 = 1 << 63;
        match self {
            Endpoint::Node(id) => {
                debug_assert!(id < CLIENT_BIT, "node id {id} out of range");
                id
            }
            Endpoint::Client(id) => {
                debug_assert!(id < CLIENT_BIT, "client id {id} out of range");
                id | CLIENT_BIT
            }
        }
    }
}

/// What travels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packet {
    Raft(Message),
    Request(ClientRequest),
    Response(ClientResponse),
}

/// A client's request to a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRequest {
    pub client_id: u64,
    pub attempt: u32,
    pub command: kv::Command,
    /// For `Get`: how to read. Ignored for writes, which always go through the log.
    pub read: ReadKind,
}

/// A node's answer to a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientResponse {
    pub client_id: u64,
    /// The command's sequence number and attempt: together they name the exact request.
    pub sequence: u64,
    pub attempt: u32,
    pub reply: Reply,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The command took effect (or the read was served) with this response.
    Done(kv::Response),
    /// Not the leader; try `leader_hint`.
    Redirect { leader_hint: Option<NodeId> },
    /// Refused without taking effect (e.g. a transfer in progress); try again later.
    Busy(String),
    /// The proposal's log position was taken by another entry: it may or may not have taken
    /// effect through an earlier attempt, so the client retries with the same sequence number.
    Lost,
}

/// Why a message did not arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossReason {
    Random,
    QueueFull,
    Partition,
    DroppedByUser,
    TargetDown,
    /// The receiver was paused and its inbox full (`server::MAX_INBOX`).
    InboxFull,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlight {
    pub id: u64,
    pub from: Endpoint,
    pub to: Endpoint,
    pub sent_us: u64,
    pub arrive_us: u64,
    pub packet: Packet,
    /// `None` while the message is on its way to be delivered.
    pub lost: Option<LossReason>,
    /// The message this one duplicates, if it is a duplicate.
    pub duplicate_of: Option<u64>,
}

/// Knobs that can change during a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetworkConfig {
    pub latency_us: (u64, u64),
    pub loss_ppm: u32,
    pub duplicate_ppm: u32,
}

#[derive(Clone, Debug)]
pub struct Network {
    pub config: NetworkConfig,
    next_id: u64,
    /// Boxed: a message is 208 bytes, and a B-tree shifts the values beside one it removes;
    /// moving pointers instead took 4.5 % off the simulator's instructions.
    in_flight: BTreeMap<u64, Box<InFlight>>,
    /// Messages in flight per directed link, keyed by [`Endpoint::link_key`]: the page
    /// instantiates `BTreeMap<(u64, u64), u64>` anyway, where a map keyed by endpoints was
    /// 4.6 KB of wasm of its own.
    link_load: BTreeMap<(u64, u64), u64>,
    /// Directed node-to-node links that lose every message: a set, kept as a map to 0 because
    /// the page instantiates `BTreeMap<(u64, u64), u64>` anyway (`slow` below, the safety
    /// checker), where a `BTreeSet<(u64, u64)>` was 3.6 KB of wasm of its own.
    blocked: BTreeMap<(NodeId, NodeId), u64>,
    /// Extra latency on directed links.
    slow: BTreeMap<(NodeId, NodeId), u64>,
    /// The groups of the last partition, in the order its action gave them: the page letters
    /// them so (A for the first), as the person who set them did. Display only.
    partition_order: Vec<Vec<NodeId>>,
    pub delivered: u64,
    pub lost: u64,
    /// The latest messages to leave the network, in the order they left, each with its fate
    /// in `lost` (`None`: delivered): those that left in the last `DEPARTED_KEPT_US`, at most
    /// `DEPARTED_KEPT`.
    departed: VecDeque<InFlight>,
    /// Messages that left at or before this moment may be forgotten (0: none forgotten yet).
    forgotten_until_us: u64,
}

impl Network {
    pub fn new(config: NetworkConfig) -> Self {
        Network {
            config,
            next_id: 1,
            in_flight: BTreeMap::new(),
            link_load: BTreeMap::new(),
            blocked: BTreeMap::new(),
            slow: BTreeMap::new(),
            partition_order: Vec::new(),
            delivered: 0,
            lost: 0,
            departed: VecDeque::new(),
            forgotten_until_us: 0,
        }
    }

    /// Sends `packet`; returns the ids of the message and of a duplicate, if one was made, and
    /// their arrival times, for the caller to schedule. (No `Vec`: this runs for every message,
    /// and one allocation each was a seventh of the simulator's allocations.)
    pub fn send(
        &mut self,
        now_us: u64,
        from: Endpoint,
        to: Endpoint,
        packet: Packet,
        random: &mut Stream,
    ) -> impl Iterator<Item = (u64, u64)> + use<> {
        let original = self.send_one(now_us, from, to, packet, None, random);
        let between_nodes = matches!((from, to), (Endpoint::Node(_), Endpoint::Node(_)));
        let copy = (between_nodes && random.chance_ppm(self.config.duplicate_ppm)).then(|| {
            // Copied only when the network duplicates it.
            let packet = self.in_flight[&original.0].packet.clone();
            self.send_one(now_us, from, to, packet, Some(original.0), random)
        });
        std::iter::once(original).chain(copy)
    }

    fn send_one(
        &mut self,
        now_us: u64,
        from: Endpoint,
        to: Endpoint,
        packet: Packet,
        duplicate_of: Option<u64>,
        random: &mut Stream,
    ) -> (u64, u64) {
        let id = self.next_id;
        self.next_id += 1;
        let (low, high) = self.config.latency_us;
        let mut latency = random.between(low, high);
        let mut lost = None;
        if let (Endpoint::Node(a), Endpoint::Node(b)) = (from, to) {
            latency += self.slow.get(&(a, b)).copied().unwrap_or(0);
            if random.chance_ppm(self.config.loss_ppm) {
                lost = Some(LossReason::Random);
            } else if self.blocked.contains_key(&(a, b)) {
                lost = Some(LossReason::Partition);
            }
        }
        let load = self
            .link_load
            .entry((from.link_key(), to.link_key()))
            .or_insert(0);
        if lost.is_none() && *load >= u64::from(MAX_IN_FLIGHT_PER_LINK) {
            lost = Some(LossReason::QueueFull);
        }
        *load += 1;
        let arrive_us = now_us + latency.max(1);
        self.in_flight.insert(
            id,
            Box::new(InFlight {
                id,
                from,
                to,
                sent_us: now_us,
                arrive_us,
                packet,
                lost,
                duplicate_of,
            }),
        );
        (id, arrive_us)
    }

    /// The message `id` reaches its destination at `now_us`: returns it if it is delivered,
    /// `None` if it was lost (or delayed past now, or already gone). A message the network
    /// would deliver can still be turned away by its receiver: `refused` says why, if so (a
    /// node that is down, or paused with a full inbox).
    pub fn arrive(
        &mut self,
        now_us: u64,
        id: u64,
        refused: impl FnOnce(Endpoint) -> Option<LossReason>,
    ) -> Option<InFlight> {
        let std::collections::btree_map::Entry::Occupied(entry) = self.in_flight.entry(id) else {
            return None;
        };
        if entry.get().arrive_us != now_us {
            return None; // Delayed by a person: a later event delivers it.
        }
        let mut message = *entry.remove();
        let link = (message.from.link_key(), message.to.link_key());
        if let Some(load) = self.link_load.get_mut(&link) {
            *load -= 1;
            if *load == 0 {
                self.link_load.remove(&link);
            }
        }
        if let (Endpoint::Node(a), Endpoint::Node(b)) = (message.from, message.to)
            && message.lost.is_none()
            && self.blocked.contains_key(&(a, b))
        {
            message.lost = Some(LossReason::Partition);
        }
        if message.lost.is_none() {
            message.lost = refused(message.to);
        }
        self.forget_before(now_us.saturating_sub(DEPARTED_KEPT_US));
        if message.lost.is_some() {
            self.lost += 1;
            self.departed.push_back(message);
            return None;
        }
        self.delivered += 1;
        self.departed.push_back(message.clone());
        Some(message)
    }

    /// Forgets departed messages that left before `start_us`, and the oldest beyond the count
    /// bound, leaving room for one more.
    fn forget_before(&mut self, start_us: u64) {
        while let Some(oldest) = self.departed.front()
            && (oldest.arrive_us < start_us || self.departed.len() >= DEPARTED_KEPT)
        {
            self.forgotten_until_us = oldest.arrive_us;
            self.departed.pop_front();
        }
    }

    /// The latest messages to leave the network, in the order they left, with their fates.
    pub fn departed(&self) -> impl Iterator<Item = &InFlight> {
        self.departed.iter()
    }

    /// Message `id`, if it left recently enough to be remembered.
    pub fn departed_message(&self, id: u64) -> Option<&InFlight> {
        // In order of arrival, not of id; the page asks about recent ones, so search back.
        self.departed.iter().rev().find(|message| message.id == id)
    }

    /// Every message that left after this moment is remembered (0: every message ever sent).
    pub fn remembers_from_us(&self) -> u64 {
        self.forgotten_until_us
    }

    /// Messages on their way (or lost and fading), oldest first.
    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight> {
        self.in_flight.values().map(|message| &**message)
    }

    /// Whether message `id` has been sent by now (ids are handed out in sending order).
    pub fn has_sent(&self, id: u64) -> bool {
        id < self.next_id
    }

    pub fn get(&self, id: u64) -> Option<&InFlight> {
        self.in_flight.get(&id).map(|message| &**message)
    }

    pub fn in_flight_count(&self) -> usize {
        self.in_flight.len()
    }

    /// A person drops one message. Returns whether it was in flight.
    pub fn drop_message(&mut self, id: u64) -> bool {
        match self.in_flight.get_mut(&id) {
            Some(message) => {
                message.lost.get_or_insert(LossReason::DroppedByUser);
                true
            }
            None => false,
        }
    }

    /// A person delays one message. Returns its new arrival time.
    pub fn delay_message(&mut self, id: u64, by_us: u64) -> Option<u64> {
        let message = self.in_flight.get_mut(&id)?;
        message.arrive_us += by_us;
        Some(message.arrive_us)
    }

    /// A person duplicates one message: the copy gets a new id and its own latency.
    pub fn duplicate_message(
        &mut self,
        now_us: u64,
        id: u64,
        random: &mut Stream,
    ) -> Option<(u64, u64)> {
        let original = self.in_flight.get(&id)?.clone();
        Some(self.send_one(
            now_us,
            original.from,
            original.to,
            original.packet,
            Some(id),
            random,
        ))
    }

    /// Splits the nodes into `groups`; nodes in no group are each cut off alone.
    pub fn partition(&mut self, nodes: &[NodeId], groups: &[Vec<NodeId>]) {
        let group_of = |node: NodeId| groups.iter().position(|group| group.contains(&node));
        self.partition_order = groups.to_vec();
        self.blocked.clear();
        for &a in nodes {
            for &b in nodes {
                let together = a == b || (group_of(a).is_some() && group_of(a) == group_of(b));
                if !together {
                    self.blocked.insert((a, b), 0);
                }
            }
        }
    }

    /// The groups `nodes` are in now: a node joins the first group whose first member it
    /// reaches both ways, or starts its own. With no partition, one group of all. They come in
    /// the order the last partition gave them, as far as it still stands, then in the order of
    /// their first members.
    pub fn groups(&self, nodes: &[NodeId]) -> Vec<Vec<NodeId>> {
        let mut groups: Vec<Vec<NodeId>> = Vec::new();
        for &node in nodes {
            let together =
                |other: NodeId| !self.is_blocked(node, other) && !self.is_blocked(other, node);
            match groups.iter_mut().find(|group| together(group[0])) {
                Some(group) => group.push(node),
                None => groups.push(vec![node]),
            }
        }
        let mut ordered = Vec::with_capacity(groups.len());
        for wanted in &self.partition_order {
            let holds = |group: &Vec<NodeId>| wanted.iter().any(|node| group.contains(node));
            if let Some(at) = groups.iter().position(holds) {
                ordered.push(groups.remove(at));
            }
        }
        ordered.append(&mut groups);
        ordered
    }

    /// The groups of `nodes` ([`Network::groups`]) when they are an exact partition: every
    /// link across two groups blocked both ways, and no link within a group. `None` when single
    /// cuts make the picture finer than groups (a node cut off from one other but reaching the
    /// rest).
    pub fn partition_groups(&self, nodes: &[NodeId]) -> Option<Vec<Vec<NodeId>>> {
        let groups = self.groups(nodes);
        let group_of = |node: NodeId| groups.iter().position(|group| group.contains(&node));
        let across_all_blocked = groups.iter().enumerate().all(|(index, group)| {
            groups.iter().skip(index + 1).all(|other| {
                group.iter().all(|&a| {
                    other
                        .iter()
                        .all(|&b| self.is_blocked(a, b) && self.is_blocked(b, a))
                })
            })
        });
        let none_within = !self
            .blocked
            .keys()
            .any(|&(a, b)| group_of(a).is_some() && group_of(a) == group_of(b));
        (across_all_blocked && none_within).then_some(groups)
    }

    pub fn cut(&mut self, from: NodeId, to: NodeId) {
        self.blocked.insert((from, to), 0);
    }

    pub fn slow_link(&mut self, from: NodeId, to: NodeId, extra_us: u64) {
        self.slow.insert((from, to), extra_us);
    }

    pub fn heal(&mut self) {
        self.partition_order.clear();
        self.blocked.clear();
        self.slow.clear();
    }

    /// Whether `message`, on its way and not lost yet, travels a link that is cut now: it is
    /// lost when it arrives, unless the link heals first (`arrive` decides).
    pub fn crosses_a_cut(&self, message: &InFlight) -> bool {
        message.lost.is_none()
            && matches!((message.from, message.to), (Endpoint::Node(a), Endpoint::Node(b)) if self.is_blocked(a, b))
    }

    pub fn is_blocked(&self, from: NodeId, to: NodeId) -> bool {
        self.blocked.contains_key(&(from, to))
    }

    pub fn blocked_links(&self) -> impl Iterator<Item = &(NodeId, NodeId)> {
        self.blocked.keys()
    }

    pub fn slow_links(&self) -> impl Iterator<Item = (&(NodeId, NodeId), &u64)> {
        self.slow.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::MessageBody;

    fn heartbeat(from: NodeId, to: NodeId) -> Packet {
        Packet::Raft(Message {
            from,
            to,
            term: 1,
            body: MessageBody::HeartbeatResponse { round: 1 },
        })
    }

    /// A heartbeat from node `from` to node `to`, sent at `now_us`: each copy's (id, arrival).
    fn send_heartbeat(
        net: &mut Network,
        now_us: u64,
        from: NodeId,
        to: NodeId,
        random: &mut Stream,
    ) -> Vec<(u64, u64)> {
        let packet = heartbeat(from, to);
        net.send(
            now_us,
            Endpoint::Node(from),
            Endpoint::Node(to),
            packet,
            random,
        )
        .collect()
    }

    fn network(loss_ppm: u32, duplicate_ppm: u32) -> Network {
        Network::new(NetworkConfig {
            latency_us: (10_000, 30_000),
            loss_ppm,
            duplicate_ppm,
        })
    }

    #[test]
    fn groups_are_read_back_from_the_blocked_links() {
        let mut net = network(0, 0);
        let nodes = [1, 2, 3, 4, 5];
        assert_eq!(net.groups(&nodes), vec![vec![1, 2, 3, 4, 5]]);
        net.partition(&nodes, &[vec![1, 4], vec![2, 5], vec![3]]);
        assert_eq!(net.groups(&nodes), vec![vec![1, 4], vec![2, 5], vec![3]]);
        // In the order the partition gave them (their letters), not by their first members.
        net.partition(&nodes, &[vec![4, 5], vec![1], vec![2, 3]]);
        assert_eq!(net.groups(&nodes), vec![vec![4, 5], vec![1], vec![2, 3]]);
        // A cut on top splits a group: what still stands keeps its place, the rest follows.
        net.cut(2, 3);
        assert_eq!(
            net.groups(&nodes),
            vec![vec![4, 5], vec![1], vec![2], vec![3]]
        );
        // A one-way cut is enough to part two nodes: they do not reach each other both ways.
        net.heal();
        net.cut(2, 1);
        assert_eq!(net.groups(&nodes), vec![vec![1, 3, 4, 5], vec![2]]);
    }

    #[test]
    fn groups_are_a_partition_only_without_single_cuts() {
        let mut net = network(0, 0);
        let nodes = [1, 2, 3, 4, 5];
        let exact = |net: &Network| net.partition_groups(&nodes);
        assert_eq!(exact(&net), Some(vec![vec![1, 2, 3, 4, 5]]));
        net.partition(&nodes, &[vec![1, 4], vec![2, 3, 5]]);
        assert_eq!(exact(&net), Some(vec![vec![1, 4], vec![2, 3, 5]]));
        // S1 and S2 cut apart, each still reaching the rest: no partition describes that.
        net.heal();
        net.cut(1, 2);
        net.cut(2, 1);
        assert_eq!(exact(&net), None);
        // Nor a cut inside what would be a group.
        net.partition(&nodes, &[vec![1, 2, 3], vec![4, 5]]);
        net.cut(2, 3);
        assert_eq!(exact(&net), None);
    }

    #[test]
    fn latency_is_drawn_from_the_range_and_reorders() {
        let mut net = network(0, 0);
        let mut random = Stream::new(1, "t");
        let mut arrivals = Vec::new();
        for _ in 0..50 {
            let sent = send_heartbeat(&mut net, 0, 1, 2, &mut random);
            arrivals.push(sent[0].1);
        }
        assert!(arrivals.iter().all(|&at| (10_000..=30_000).contains(&at)));
        let mut sorted = arrivals.clone();
        sorted.sort();
        assert_ne!(arrivals, sorted, "later messages can arrive first");
    }

    #[test]
    fn a_partition_loses_messages_across_it_even_in_flight() {
        let mut net = network(0, 0);
        let mut random = Stream::new(2, "t");
        let (before, at) = send_heartbeat(&mut net, 0, 1, 3, &mut random)[0];
        net.partition(&[1, 2, 3], &[vec![1, 2], vec![3]]);
        assert!(
            net.arrive(at, before, |_| None).is_none(),
            "cut while on the wire"
        );
        let (inside, at) = send_heartbeat(&mut net, at, 1, 2, &mut random)[0];
        assert!(net.arrive(at, inside, |_| None).is_some());
        net.heal();
        let (after, at) = send_heartbeat(&mut net, at, 1, 3, &mut random)[0];
        assert!(net.arrive(at, after, |_| None).is_some());
        assert_eq!((net.delivered, net.lost), (2, 1));
    }

    #[test]
    fn departed_messages_keep_their_real_fate_for_a_while() {
        let mut net = network(0, 0);
        let mut random = Stream::new(4, "t");
        let mut send = |net: &mut Network, to| send_heartbeat(net, 0, 1, to, &mut random)[0];
        let (cut_off, at_cut) = send(&mut net, 3);
        let (delivered, at_delivered) = send(&mut net, 2);
        let (to_a_crashed_node, at_crashed) = send(&mut net, 2);
        net.partition(&[1, 2, 3], &[vec![1, 2], vec![3]]);
        // A cut link loses the message before any receiver could refuse it.
        let down = |_| Some(LossReason::TargetDown);
        assert!(net.arrive(at_cut, cut_off, down).is_none());
        assert!(net.arrive(at_delivered, delivered, |_| None).is_some());
        assert!(net.arrive(at_crashed, to_a_crashed_node, down).is_none());
        // Healing afterwards does not rewrite how they ended.
        net.heal();
        let fate = |net: &Network, id| net.departed_message(id).map(|message| message.lost);
        assert_eq!(fate(&net, cut_off), Some(Some(LossReason::Partition)));
        assert_eq!(fate(&net, delivered), Some(None));
        assert_eq!(
            fate(&net, to_a_crashed_node),
            Some(Some(LossReason::TargetDown))
        );
        assert_eq!(fate(&net, 9_999), None, "never sent");
        assert_eq!((net.delivered, net.lost), (1, 2), "counted once, as lost");
        // Whole: what it carried, where and when.
        let remembered = net.departed_message(delivered).unwrap();
        assert_eq!(remembered.packet, heartbeat(1, 2));
        assert_eq!(
            (remembered.to, remembered.arrive_us),
            (Endpoint::Node(2), at_delivered)
        );
        let order: Vec<u64> = net.departed().map(|message| message.id).collect();
        assert_eq!(
            order,
            [cut_off, delivered, to_a_crashed_node],
            "in the order they left"
        );
        assert_eq!(net.remembers_from_us(), 0, "nothing forgotten yet");

        // Bounded in count: the oldest are forgotten, and the network says from when it
        // remembers.
        for _ in 0..DEPARTED_KEPT {
            let (id, at) = send(&mut net, 2);
            net.arrive(at, id, |_| None);
        }
        assert_eq!(fate(&net, cut_off), None);
        assert_eq!(net.departed().count(), DEPARTED_KEPT);
        assert_eq!(net.remembers_from_us(), at_crashed);

        // Bounded in time: a message leaving later makes those older than the span forgotten.
        let later = at_crashed + DEPARTED_KEPT_US + 100_000;
        let (id, at) = send_heartbeat(&mut net, later, 1, 2, &mut random)[0];
        net.arrive(at, id, |_| None);
        assert_eq!(
            net.departed().map(|message| message.id).collect::<Vec<_>>(),
            [id]
        );
        assert!(net.remembers_from_us() < at - DEPARTED_KEPT_US);
    }

    #[test]
    fn a_cut_is_one_way() {
        let mut net = network(0, 0);
        let mut random = Stream::new(3, "t");
        net.cut(1, 2);
        let (one_two, at) = send_heartbeat(&mut net, 0, 1, 2, &mut random)[0];
        let (two_one, at2) = send_heartbeat(&mut net, 0, 2, 1, &mut random)[0];
        assert!(net.arrive(at, one_two, |_| None).is_none());
        assert!(net.arrive(at2, two_one, |_| None).is_some());
    }

    #[test]
    fn loss_and_duplication_follow_their_probabilities() {
        let mut net = network(200_000, 100_000);
        let mut random = Stream::new(4, "t");
        let mut copies = 0;
        let mut delivered = 0;
        for n in 0..10_000u64 {
            let now = n * 100;
            for (id, at) in send_heartbeat(&mut net, now, 1, 2, &mut random) {
                copies += 1;
                if net.arrive(at, id, |_| None).is_some() {
                    delivered += 1;
                }
            }
        }
        assert!(
            (10_800..11_200).contains(&copies),
            "about 10% duplicated: {copies}"
        );
        assert!(
            (8_500..9_100).contains(&delivered),
            "about 20% lost: {delivered}"
        );
    }

    #[test]
    fn a_link_holds_a_bounded_number_of_messages() {
        let mut net = network(0, 0);
        let mut random = Stream::new(5, "t");
        for _ in 0..MAX_IN_FLIGHT_PER_LINK + 10 {
            send_heartbeat(&mut net, 0, 1, 2, &mut random);
        }
        let lost = net
            .in_flight()
            .filter(|m| m.lost == Some(LossReason::QueueFull))
            .count();
        assert_eq!(lost, 10);
    }

    #[test]
    fn a_person_can_drop_delay_and_duplicate_one_message() {
        let mut net = network(0, 0);
        let mut random = Stream::new(6, "t");
        let (dropped, at) = send_heartbeat(&mut net, 0, 1, 2, &mut random)[0];
        assert!(net.drop_message(dropped));
        assert!(net.arrive(at, dropped, |_| None).is_none());
        let (delayed, at) = send_heartbeat(&mut net, 0, 1, 2, &mut random)[0];
        let new_at = net.delay_message(delayed, 5_000).unwrap();
        assert_eq!(new_at, at + 5_000);
        assert!(
            net.arrive(at, delayed, |_| None).is_none(),
            "not at the old time"
        );
        let (copy, copy_at) = net.duplicate_message(0, delayed, &mut random).unwrap();
        assert!(net.arrive(new_at, delayed, |_| None).is_some());
        assert_eq!(
            net.arrive(copy_at, copy, |_| None).unwrap().duplicate_of,
            Some(delayed)
        );
    }
}
