//! Plain column-aligned tables (`vigil scan`, `vigil sbom`, `vigil db status`).

/// Longest cell shown, in characters; longer ones are cut and end with `…` (the JSON output
/// keeps every value whole). Padding is written by hand, not with `{:width$}`, whose width is
/// limited to `u16::MAX` and panics beyond it.
pub const MAX_CELL_CHARS: usize = 256;

/// Renders `headers` and `rows` as columns separated by two spaces, each row on one line with
/// no trailing spaces. Cells are cut to [`MAX_CELL_CHARS`]; control characters (a newline or
/// escape sequence from an advisory or a lockfile) are shown as `\u{…}` escapes.
pub fn render<const N: usize>(headers: [&str; N], rows: &[[String; N]]) -> String {
    let cells: Vec<[String; N]> = rows.iter().map(|row| row.clone().map(|cell| clean(&cell))).collect();
    let mut widths = headers.map(|h| h.chars().count());
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    line(&mut out, &headers.map(String::from), &widths);
    for row in &cells {
        line(&mut out, row, &widths);
    }
    out
}

fn line<const N: usize>(out: &mut String, cells: &[String; N], widths: &[usize; N]) {
    let start = out.len();
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        out.push_str(cell);
        if i + 1 < N {
            let pad = width.saturating_sub(cell.chars().count()) + 2;
            out.extend(std::iter::repeat_n(' ', pad));
        }
    }
    let trimmed = out[start..].trim_end().len();
    out.truncate(start + trimmed);
    out.push('\n');
}

/// A cell as shown: control characters escaped, at most [`MAX_CELL_CHARS`] characters.
fn clean(cell: &str) -> String {
    let shown: String =
        cell.chars().flat_map(|c| if c.is_control() { c.escape_unicode().collect() } else { vec![c] }).collect();
    if shown.chars().count() <= MAX_CELL_CHARS {
        return shown;
    }
    let mut cut: String = shown.chars().take(MAX_CELL_CHARS - 1).collect();
    cut.push('…');
    cut
}
