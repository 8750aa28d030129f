//! A number field that acts when its value is committed (Enter, or leaving the field), as the
//! Config, Network and Clients panels' fields do.
//!
//! Yew puts a field's `value` back into the page on every render where they differ, and the
//! panels render several times a second while the run plays: a field showing the model's value
//! would wipe what a person is typing. So the field keeps what is typed as a draft, shown
//! until the change is committed; then the model's value shows again, whether the panel
//! accepted the change or refused it. Leaving the field ends the draft too: with no change
//! to commit (the value typed back to what it was, or text a number field cannot hold), the
//! field shows the model's value, not a draft nobody will commit.

use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NumberFieldProps {
    #[prop_or_default]
    pub id: Option<AttrValue>,
    pub min: u64,
    pub max: u64,
    /// The value in the model, shown while nothing is being typed.
    pub value: u64,
    /// Called when the typed value is committed; it reads the value from the event's target.
    pub onchange: Callback<Event>,
}

#[function_component(NumberField)]
pub fn number_field(props: &NumberFieldProps) -> Html {
    let draft = use_state(|| None::<String>);
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            draft.set(Some(input.value()));
        })
    };
    let onchange = {
        let draft = draft.clone();
        let commit = props.onchange.clone();
        Callback::from(move |event: Event| {
            draft.set(None);
            commit.emit(event);
        })
    };
    let onblur = {
        let draft = draft.clone();
        Callback::from(move |_: FocusEvent| draft.set(None))
    };
    let shown = draft
        .as_ref()
        .cloned()
        .unwrap_or_else(|| props.value.to_string());
    html! {
        <input type="number" id={props.id.clone()} min={props.min.to_string()} max={props.max.to_string()}
            value={shown} {oninput} {onchange} {onblur} />
    }
}

/// Reads a committed field's text as a whole number from `min` to `max`, or says what is wrong,
/// naming the field as its label does.
pub fn parse_bounded(label: &str, text: &str, min: u64, max: u64) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|value| (min..=max).contains(value))
        .ok_or_else(|| format!("{label}: {text:?} is not a whole number from {min} to {max}."))
}
