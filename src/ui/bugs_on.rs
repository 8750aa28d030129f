//! The strip under the cluster while bug switches are on: the page is running a broken Raft on
//! purpose, and whoever looks at the canvas (a class at a projector, a reader of an embed) must
//! know which rule is off. It names each switch in full at any width, where a chip in the
//! toolbar's crowded row could show only its first letters.

use yew::prelude::*;

use super::context::Ui;
use crate::raft::Bug;

/// The strip, rendered with the stage that holds it: it has no state of its own, and a
/// component would cost the page Yew's machinery for one more type.
pub fn bugs_on(ui: &Ui) -> Html {
    let bugs: Vec<Bug> = ui.engine.borrow().scenario().config.bugs.iter().collect();
    if bugs.is_empty() {
        return Html::default();
    }
    let names: Vec<&str> = bugs.iter().map(|bug| bug.name()).collect();
    let rules: Vec<String> = bugs
        .iter()
        .map(|bug| format!("{}: {}", bug.name(), bug.rule()))
        .collect();
    // One switch has room for the rule it turns off; several are named, with their rules in
    // the tooltip and the Config tab (and on the violation card, once one is found).
    let (lead, rule) = match bugs.as_slice() {
        [bug] => ("Broken on purpose:", Some(bug.rule())),
        _ => ("Broken on purpose, bug switches:", None),
    };
    html! {
        <div class="bugs-on" role="status" aria-label={format!("bugs on: {}", names.join(", "))}
            title={format!("Safety rules switched off on purpose:\n{}", rules.join("\n"))}>
            <span class="bugs-on-icon" aria-hidden="true">{ "⚠" }</span>
            <span class="bugs-on-names">
                { lead }
                { for bugs.iter().enumerate().map(|(at, bug)| html! {
                    <>{ if at == 0 { " " } else { ", " } }<code>{ breakable(bug.name()) }</code></>
                }) }
            </span>
            if let Some(rule) = rule {
                <span class="bugs-on-rule">{ "turns off the rule that " }{ rule }</span>
            }
        </div>
    }
}

/// A switch's name, allowed to break after its underscores (not inside a word) on a narrow
/// screen.
pub(super) fn breakable(name: &str) -> Html {
    html! {
        { for name.split_inclusive('_').map(|part| html! { <>{ part }<wbr /></> }) }
    }
}
