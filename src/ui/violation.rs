//! The violation card over the canvas: when a checker finds a broken guarantee the run stops,
//! and this card says which property broke, in the paper's words, when, on which nodes and
//! entries, and which bug switches were on (each one turns off a rule, so it is the likely
//! cause). The nodes and entries themselves are ringed in red on the canvas and in the logs.

use yew::prelude::*;

use super::context::use_ui;
use crate::check::safety::Violation;
use crate::view::format_time;

#[function_component(ViolationCard)]
pub fn violation_card() -> Html {
    let ui = use_ui();
    // The moment of the violation whose card was folded away, to see the canvas it covers.
    let folded = use_state(|| None::<u64>);
    let engine = ui.engine.borrow();
    let first = engine.simulation().violations().first().cloned();
    // A new violation brings its entry into view in the logs (they may be showing the tail,
    // far from it).
    {
        let ui = ui.clone();
        let entry = first
            .as_ref()
            .and_then(|first| Some((first.at_us, first.index?)));
        use_effect_with(entry, move |entry| {
            if let Some((_, index)) = *entry {
                ui.engine.borrow_mut().focus_log(index);
                ui.refresh.emit(());
            }
        });
    }
    let Some(first) = first else {
        return Html::default();
    };
    let more = engine.simulation().violations().len() - 1;
    let bugs: Vec<(&str, &str)> = engine
        .scenario()
        .config
        .bugs
        .iter()
        .map(|bug| (bug.name(), bug.rule()))
        .collect();
    drop(engine);
    let fold = |at_us: Option<u64>| {
        let folded = folded.clone();
        Callback::from(move |_| folded.set(at_us))
    };
    if *folded == Some(first.at_us) {
        return html! {
            <button class="violation-folded" onclick={fold(None)}>
                { format!("✗ {} broke — show why", title_of(&first)) }
            </button>
        };
    }
    let jump = {
        let ui = ui.clone();
        let (at_us, index) = (first.at_us, first.index);
        Callback::from(move |_| {
            ui.set_playing.emit(false);
            if let Some(index) = index {
                ui.engine.borrow_mut().focus_log(index);
            }
            ui.seek(at_us);
        })
    };
    html! {
        <section class="violation-card" role="alert" aria-label="Safety violation">
            <header class="violation-header">
                <strong>{ format!("✗ {} broke", title_of(&first)) }</strong>
                <span class="violation-when">{ format!("at {}", format_time(first.at_us)) }</span>
                if more > 0 {
                    <span class="violation-more">{ format!("(and {more} more)") }</span>
                }
                <button class="violation-fold" onclick={fold(Some(first.at_us))}
                    aria-label="Fold the explanation away">{ "×" }</button>
            </header>
            <p class="violation-property">{ format!("The guarantee: {}.", first.kind.property()) }</p>
            <p class="violation-detail">{ format!("What happened: {}", where_of(&first)) }</p>
            { cause(&bugs) }
            <div class="violation-nav">
                <button onclick={jump} aria-label="Go to the moment of the violation">{ "Go to the moment" }</button>
            </div>
        </section>
    }
}

/// "Election safety" from `election_safety`.
fn title_of(violation: &Violation) -> String {
    let name = violation.kind.name().replace('_', " ");
    let mut letters = name.chars();
    letters
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + letters.as_str())
        .unwrap_or_default()
}

/// The checker's detail, with the nodes and the log position it involves that it does not
/// already name ("S1 restarted ..." needs no "(S1)").
fn where_of(violation: &Violation) -> String {
    let detail = &violation.detail;
    let mut extra: Vec<String> = violation
        .nodes
        .iter()
        .map(|node| format!("S{node}"))
        .filter(|name| !names(detail, name))
        .collect();
    if let Some(index) = violation.index
        && !names(detail, &format!("index {index}"))
    {
        extra.push(match violation.term {
            Some(term) => format!("index {index}, term {term}"),
            None => format!("index {index}"),
        });
    }
    if extra.is_empty() {
        detail.clone()
    } else {
        format!("{detail} ({})", extra.join("; "))
    }
}

fn cause(bugs: &[(&str, &str)]) -> Html {
    if bugs.is_empty() {
        return html! {
            <p class="violation-cause">{ "No bug switch is on: this is a bug in the playground's Raft. Please report it with the link from the Share tab." }</p>
        };
    }
    let items = bugs.iter().map(|(name, rule)| {
        html! { <li><code>{ *name }</code>{ format!(" turns off: {rule}") }</li> }
    });
    html! {
        <div class="violation-cause">
            <p>{ "Bug switches on (Config tab), each turning off one of Raft's rules:" }</p>
            <ul>{ for items }</ul>
        </div>
    }
}

/// Whether `text` says `name` ("S1" in "S1 restarted" but not in "S12"; "index 4" likewise).
fn names(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        !text[at + name.len()..]
            .chars()
            .next()
            .is_some_and(|next| next.is_ascii_digit())
    })
}
