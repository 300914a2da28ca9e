//! Charts as SVG drawn on the server by `charts-rs` (no JavaScript reaches
//! the browser). Text is measured with the crate's bundled Roboto, which
//! the dashboard serves as its font, so labels fit where they are drawn.

use charts_rs::{BarChart, HorizontalBarChart};

/// The font family charts name; `sans-serif` if Roboto did not load.
const FONT: &str = "Roboto, sans-serif";
const WIDTH: f32 = 560.0;

/// One bar per category, read top to bottom. `None` when nothing is shown
/// (every value hidden) or the chart cannot be drawn.
pub fn categories(title: &str, series: &str, bars: &[(String, f32)]) -> Option<String> {
    if bars.is_empty() {
        return None;
    }
    // charts-rs draws the first category at the bottom.
    let labels: Vec<String> = bars.iter().rev().map(|(l, _)| l.clone()).collect();
    let values: Vec<f32> = bars.iter().rev().map(|(_, v)| *v).collect();
    let mut chart = HorizontalBarChart::new(vec![(series, values).into()], labels);
    chart.title.text = title.to_string();
    chart.font_family = FONT.to_string();
    chart.width = WIDTH;
    chart.height = 90.0 + 34.0 * bars.len() as f32;
    chart.legend.show = Some(false);
    chart.series_list[0].label_show = true;
    chart.svg().ok()
}

/// Columns over time (months), left to right.
pub fn over_time(title: &str, series: &str, columns: &[(String, f32)]) -> Option<String> {
    if columns.is_empty() {
        return None;
    }
    let labels: Vec<String> = columns.iter().map(|(l, _)| l.clone()).collect();
    let values: Vec<f32> = columns.iter().map(|(_, v)| *v).collect();
    let mut chart = BarChart::new(vec![(series, values).into()], labels);
    chart.title.text = title.to_string();
    chart.font_family = FONT.to_string();
    chart.width = WIDTH.max(48.0 * columns.len() as f32);
    chart.height = 320.0;
    chart.legend.show = Some(false);
    chart.series_list[0].label_show = true;
    chart.svg().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_draw_escaped_labels_and_skip_empty_data() {
        let svg = categories(
            "Cazuri după sex",
            "cazuri",
            &[("fete <b>".into(), 12.0), ("băieți".into(), 7.0)],
        )
        .expect("a chart");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("băieți") && svg.contains("fete &lt;b&gt;"));
        assert!(!svg.contains("<b>"));
        assert_eq!(categories("t", "s", &[]), None);
        let months: Vec<(String, f32)> = (1..=12)
            .map(|m| (format!("2026-{m:02}"), m as f32))
            .collect();
        assert!(over_time("t", "s", &months)
            .expect("a chart")
            .contains("2026-12"));
    }
}
