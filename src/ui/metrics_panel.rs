//! The metrics panel: elections so far, time without a leader, failover time after a leader
//! crash, commit latency (median and 99th percentile), throughput, messages, and replication
//! lag per follower; then small charts of the last 30 s of virtual time (commit index,
//! throughput, commit latency, who led), drawn as inline SVG.
//!
//! The charts plot the samples the simulator takes every 100 ms of virtual time
//! (`Metrics::samples`): part of the run, so they are complete after a jump or a load.

use yew::prelude::*;

use super::context::Ui;
use crate::raft::NodeId;
use crate::sim::Simulation;
use crate::sim::observe::{MetricsSample, TraceEvent};
use crate::sim::server::Status;
use crate::view::{follower_progress, format_duration, format_time, sparkline_points};

/// How far back throughput is measured.
const THROUGHPUT_WINDOW_US: u64 = 1_000_000;
const CHART_WIDTH: f64 = 240.0;
const CHART_HEIGHT: f64 = 36.0;

pub fn metrics_panel(ui: &Ui) -> Html {
    let engine = ui.engine.borrow();
    let simulation = engine.simulation();
    let samples: Vec<&MetricsSample> = simulation.metrics.samples().iter().collect();
    let frame = engine.frame_stats();
    html! {
        <div class="panel metrics-panel">
            <h2>{ "Metrics" }</h2>
            { figures(simulation, &samples) }
            // The charts' figures are their last points, so they may trail the live figures
            // above by up to one sample.
            <h3>{ if samples.len() < crate::sim::observe::SAMPLE_CAPACITY { "The run so far, sampled every 100 ms" } else { "Last 30 s, sampled every 100 ms" } }</h3>
            { charts(&samples) }
            { replication(simulation) }
            if frame.count > 0 {
                <p class="hint frame-stats">{ format!(
                    "Drawing: {:.1} ms a frame at the 95th percentile ({:.1} ms median).",
                    frame.p95_ms, frame.p50_ms) }</p>
            }
        </div>
    }
}

fn figure(label: &str, value: String, detail: Option<String>) -> Html {
    html! {
        <div class="figure">
            <div class="figure-label">{ label }</div>
            <div class="figure-value">{ value }</div>
            if let Some(detail) = detail { <div class="figure-detail">{ detail }</div> }
        </div>
    }
}

fn figures(simulation: &Simulation, samples: &[&MetricsSample]) -> Html {
    let metrics = &simulation.metrics;
    let now_us = simulation.now_us();
    let leader = simulation.leader().and_then(|id| {
        let raft = simulation.server(id)?.raft.as_ref()?;
        Some((id, raft.current_term()))
    });
    let failover = metrics
        .failovers_us
        .last()
        .map(|&last| format_duration(last));
    let failover_detail = (!metrics.failovers_us.is_empty()).then(|| {
        let worst = metrics.failovers_us.iter().copied().max().unwrap_or(0);
        let count = metrics.failovers_us.len();
        format!("last of {count}; worst {}", format_duration(worst))
    });
    let p50 = metrics.commit_latency_percentile_us(50);
    let p99 = metrics.commit_latency_percentile_us(99);
    // From the live count, not the last sample: a commit since then counts at once.
    let rate = rate_since(samples, now_us, metrics.committed_commands);
    let (rate, rate_detail) = match rate {
        Some(rate) => (Some(rate), "commits/s, last second".to_string()),
        None if now_us > 0 => (
            Some(metrics.committed_commands as f64 * 1e6 / now_us as f64),
            "commits/s, whole run".to_string(),
        ),
        None => (None, "commits/s".to_string()),
    };
    let network = simulation.network();
    html! {
        <>
        <div class="figures">
            { figure("Leader", leader.map_or("none".to_string(), |(id, term)| format!("S{id}, term {term}")),
                leader.and_then(|(id, _)| leader_since(simulation, id)).map(|at| format!("since {}", format_time(at)))) }
            { figure("Elections", metrics.elections.to_string(), Some("leaders elected".to_string())) }
            { figure("Without a leader", format_duration(metrics.leaderless_total_us(now_us)), Some("in total".to_string())) }
            { figure("Failover", failover.unwrap_or_else(|| "—".to_string()),
                failover_detail.or_else(|| Some("after a leader crash".to_string()))) }
            { figure("Commit latency", p50.map_or("—".to_string(), format_duration),
                Some(p99.map_or("median".to_string(), |us| format!("median; p99 {} (last {} commits)", format_duration(us), metrics.commit_latency_count())))) }
            { figure("Throughput", rate.map_or("—".to_string(), |rate| format!("{rate:.1}")), Some(rate_detail)) }
            { figure("Committed", metrics.committed_commands.to_string(), Some("client commands".to_string())) }
            { figure("Messages", network.delivered.to_string(),
                Some(format!("delivered; {} lost, {} in flight", network.lost, network.in_flight_count()))) }
        </div>
        if simulation.history().is_full() {
            <p class="hint history-full">{ format!("The client history is full ({} operations, the most the page keeps): the workload sends no more, so commits stop.", crate::sim::history::MAX_OPERATIONS) }</p>
        }
        </>
    }
}

/// When `leader` last became leader, from the run's trace.
fn leader_since(simulation: &Simulation, leader: NodeId) -> Option<u64> {
    simulation
        .trace
        .entries()
        .rev()
        .find(|entry| {
            entry.node == Some(leader) && matches!(entry.event, TraceEvent::BecameLeader { .. })
        })
        .map(|entry| entry.at_us)
}

/// Commands committed per second over the `THROUGHPUT_WINDOW_US` before `now_us`, by which
/// `committed` were committed: measured from the last of `samples` that far back, or from the
/// first in a run's first second.
fn rate_since(samples: &[&MetricsSample], now_us: u64, committed: u64) -> Option<f64> {
    let earlier = samples
        .iter()
        .rev()
        .find(|sample| now_us - sample.at_us >= THROUGHPUT_WINDOW_US)
        .or_else(|| samples.first().filter(|first| first.at_us < now_us))?;
    let commands = committed - earlier.committed_commands;
    Some(commands as f64 * 1e6 / (now_us - earlier.at_us) as f64)
}

/// The throughput as of sample `at`, for the chart.
fn rate_at(samples: &[&MetricsSample], at: usize) -> Option<f64> {
    let now = samples[at];
    rate_since(&samples[..at], now.at_us, now.committed_commands)
}

fn charts(samples: &[&MetricsSample]) -> Html {
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return html! { <p class="hint">{ "Charts fill in as the run plays." }</p> };
    };
    if samples.len() < 2 {
        return html! { <p class="hint">{ "Charts fill in as the run plays: one sample every 100 ms of virtual time." }</p> };
    }
    let x_range = (first.at_us as f64, (last.at_us.max(first.at_us + 1)) as f64);
    let at = |sample: &MetricsSample| sample.at_us as f64;
    // The commit index starts from the window's lowest, so its growth shows.
    let commit_floor = first.commit_index as f64;
    let commit: Vec<(f64, f64)> = samples
        .iter()
        .map(|sample| (at(sample), sample.commit_index as f64 - commit_floor))
        .collect();
    let rates: Vec<(f64, f64)> = (0..samples.len())
        .filter_map(|index| rate_at(samples, index).map(|rate| (at(samples[index]), rate)))
        .collect();
    let latency: Vec<(f64, f64)> = samples
        .iter()
        .filter_map(|sample| {
            sample
                .commit_latency_p50_us
                .map(|us| (at(sample), us as f64 / 1_000.0))
        })
        .collect();
    let latency_max: Vec<(f64, f64)> = samples
        .iter()
        .filter_map(|sample| {
            sample
                .commit_latency_max_us
                .map(|us| (at(sample), us as f64 / 1_000.0))
        })
        .collect();
    html! {
        <div class="charts">
            { chart("Commit index", format!("{}", last.commit_index), &[(&commit, "line")], x_range,
                format!("from {} to {}", first.commit_index, last.commit_index)) }
            { chart("Throughput", rates.last().map_or("—".to_string(), |&(_, rate)| format!("{rate:.1} commits/s")),
                &[(&rates, "line")], x_range, "commands committed per second, over 1 s".to_string()) }
            { chart("Commit latency", latency.last().map_or("—".to_string(), |&(_, ms)| format!("{ms:.0} ms median")),
                &[(&latency_max, "line line-faint"), (&latency, "line")], x_range,
                "median (solid) and slowest (faint) per 100 ms".to_string()) }
            { leader_strip(samples, x_range) }
        </div>
    }
}

/// One small line chart; `lines` are (points, CSS class), scaled together.
fn chart(
    title: &str,
    value: String,
    lines: &[(&Vec<(f64, f64)>, &str)],
    x_range: (f64, f64),
    description: String,
) -> Html {
    let y_max = lines
        .iter()
        .flat_map(|(points, _)| points.iter().map(|&(_, y)| y))
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let polylines = lines.iter().map(|(points, class)| {
        let points = sparkline_points(points, x_range, y_max, CHART_WIDTH, CHART_HEIGHT);
        html! { <polyline class={class.to_string()} points={points} vector-effect="non-scaling-stroke" /> }
    });
    html! {
        <figure class="chart">
            <figcaption><span>{ title }</span><span class="chart-value">{ value }</span></figcaption>
            <svg class="sparkline" viewBox={format!("0 0 {CHART_WIDTH} {CHART_HEIGHT}")} preserveAspectRatio="none"
                role="img" aria-label={format!("{title}: {description}")}>
                <line class="baseline" x1="0" y1={CHART_HEIGHT.to_string()} x2={CHART_WIDTH.to_string()} y2={CHART_HEIGHT.to_string()} vector-effect="non-scaling-stroke" />
                { for polylines }
            </svg>
        </figure>
    }
}

/// Who led, as a strip: green while a leader lived, red while none did, a mark at each change.
fn leader_strip(samples: &[&MetricsSample], x_range: (f64, f64)) -> Html {
    let span = (x_range.1 - x_range.0).max(1.0);
    let x_of = |at_us: u64| (at_us as f64 - x_range.0) / span * CHART_WIDTH;
    let mut runs = Vec::new();
    let mut start = 0;
    for index in 1..=samples.len() {
        if index == samples.len() || samples[index].leader != samples[start].leader {
            let end_us = samples.get(index).unwrap_or(&samples[index - 1]).at_us;
            runs.push((
                x_of(samples[start].at_us),
                x_of(end_us),
                samples[start].leader,
            ));
            start = index;
        }
    }
    let leaderless = runs.iter().filter(|run| run.2.is_none()).count();
    let rects = runs.iter().map(|&(x1, x2, leader)| {
        let class = if leader.is_some() { "led" } else { "leaderless" };
        let width = format!("{:.1}", (x2 - x1).max(0.8));
        html! {
            <rect class={class} x={format!("{x1:.1}")} y="4" width={width} height="14">
                <title>{ leader.map_or("no leader".to_string(), |id| format!("S{id} leads")) }</title>
            </rect>
        }
    });
    let changes = runs.iter().skip(1).map(|&(x, _, _)| {
        html! { <line class="change" x1={format!("{x:.1}")} y1="1" x2={format!("{x:.1}")} y2="21" vector-effect="non-scaling-stroke" /> }
    });
    html! {
        <figure class="chart">
            <figcaption><span>{ "Leader" }</span>
                <span class="chart-value">{ format!("{} change{}, {}", runs.len().saturating_sub(1),
                    if runs.len() == 2 { "" } else { "s" },
                    match leaderless { 0 => "never leaderless".to_string(), 1 => "leaderless once".to_string(), n => format!("leaderless {n} times") }) }</span></figcaption>
            <svg class="sparkline leader-strip" viewBox={format!("0 0 {CHART_WIDTH} 22")} preserveAspectRatio="none"
                role="img" aria-label="Leader over time: green while a leader lived, red while none did">
                { for rects }
                { for changes }
            </svg>
        </figure>
    }
}

/// The leader's view of each follower: how far behind it is.
fn replication(simulation: &Simulation) -> Html {
    let Some((leader, raft)) = simulation.leader().and_then(|id| {
        let raft = simulation.server(id)?.raft.as_ref()?;
        Some((id, raft))
    }) else {
        return html! {
            <>
                <h3>{ "Replication lag" }</h3>
                <p class="hint">{ "No leader right now: nobody tracks the followers." }</p>
            </>
        };
    };
    let rows = follower_progress(raft);
    let worst = rows.iter().map(|row| row.lag).max().unwrap_or(0).max(1);
    let rows = rows.iter().map(|row| {
        let percent = row.lag as f64 / worst as f64 * 100.0;
        html! {
            <tr>
                <td>{ format!("S{}{}", row.id, match simulation.server(row.id).map(|server| server.status) {
                    Some(Status::Down) => " (down)",
                    Some(Status::Paused) => " (paused)",
                    _ => "",
                }) }</td>
                <td>{ row.match_index }</td>
                <td class="lag">
                    <span class="lag-bar" style={format!("width: {percent:.0}%")}></span>
                    <span class="lag-value">{ row.lag }</span>
                </td>
            </tr>
        }
    });
    html! {
        <>
            <h3>{ format!("Replication lag (leader S{leader}'s view)") }</h3>
            <table class="lag-table">
                <thead><tr><th>{ "follower" }</th><th>{ "match" }</th><th>{ "entries behind" }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </>
    }
}
