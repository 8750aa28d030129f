//! Paths handed to the canvas as SVG path text, one call for thousands of segments: a frame of
//! the space-time diagram draws a few dozen paths instead of making several calls a message.

use std::cell::RefCell;

use web_sys::CanvasRenderingContext2d as Context;

use crate::ui::draw::dashed;

thread_local! {
    /// Reused by every frame, so drawing does not allocate.
    pub(super) static PATH: RefCell<PathText> = RefCell::new(PathText::default());
}

/// Appends `value` in decimal. Paths hold thousands of numbers a frame; this skips the
/// formatting machinery.
fn push_integer(text: &mut String, value: i64) {
    if value < 0 {
        text.push('-');
    }
    let mut digits = [0u8; 20];
    let mut rest = value.unsigned_abs();
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        text.push(char::from(digit));
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Paint {
    Stroke,
    Fill,
}

/// A path in SVG syntax, in tenths of a pixel, handed to the canvas in one call as a `Path2D`.
#[derive(Default)]
pub(super) struct PathText {
    text: String,
}

impl PathText {
    pub(super) fn clear(&mut self) {
        self.text.clear();
    }

    pub(super) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    fn point(&mut self, command: char, x: f64, y: f64) {
        self.text.push(command);
        push_integer(&mut self.text, (x * 10.0).round() as i64);
        self.text.push(' ');
        push_integer(&mut self.text, (y * 10.0).round() as i64);
    }

    pub(super) fn move_to(&mut self, x: f64, y: f64) {
        self.point('M', x, y);
    }

    pub(super) fn line_to(&mut self, x: f64, y: f64) {
        self.point('L', x, y);
    }

    pub(super) fn close(&mut self) {
        self.text.push('Z');
    }

    /// A filled circle's outline: two half-circle arcs.
    pub(super) fn dot(&mut self, x: f64, y: f64, radius: f64) {
        self.move_to(x - radius, y);
        for end_x in [x + radius, x - radius] {
            self.text.push('A');
            push_integer(&mut self.text, (radius * 10.0).round() as i64);
            self.text.push(' ');
            push_integer(&mut self.text, (radius * 10.0).round() as i64);
            self.text.push_str(" 0 1 0 ");
            push_integer(&mut self.text, (end_x * 10.0).round() as i64);
            self.text.push(' ');
            push_integer(&mut self.text, (y * 10.0).round() as i64);
        }
    }

    /// Strokes or fills the path with the context's current style; `line_width` and `dash` are
    /// in pixels.
    pub(super) fn paint(&self, context: &Context, paint: Paint, line_width: f64, dash: &[f64]) {
        let Ok(path) = web_sys::Path2d::new_with_path_string(&self.text) else {
            return;
        };
        context.save();
        context.scale(0.1, 0.1).ok();
        context.set_line_width(line_width * 10.0);
        let scaled: Vec<f64> = dash.iter().map(|length| length * 10.0).collect();
        dashed(context, &scaled);
        match paint {
            Paint::Fill => context.fill_with_path_2d(&path),
            Paint::Stroke => context.stroke_with_path(&path),
        }
        context.restore();
    }
}
